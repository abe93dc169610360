-- One row per durable loop that runs in a single instance across every process
-- (app/loop/durableLoop.ts). The holder keeps renewing `expires_at`; once it has passed, a
-- standby takes the row over and `generation` grows by one. The generation is the fencing
-- token: a step's write locks this row FOR SHARE and checks the generation in its own
-- transaction, so a holder that lost the lease (paused, partitioned) can no longer commit, and
-- a takeover waits for a step's transaction that is still open. Rows are never deleted, so a
-- generation never repeats.
CREATE TABLE loop_leases (
  name         text PRIMARY KEY,
  holder       text NOT NULL,
  generation   bigint NOT NULL CHECK (generation > 0),
  expires_at   timestamptz NOT NULL,
  acquired_at  timestamptz NOT NULL DEFAULT now(),
  renewed_at   timestamptz NOT NULL DEFAULT now()
);
