-- Orchestration of the AI sessions (adapters/worker/). The session and account streams stay the
-- truth; these tables are the worker's to-do list and the timers of the sweepers, fed by the
-- `session_orchestration` projector (adapters/worker/orchestrationProjection.ts) with its
-- checkpoint in the same transaction.

-- One AI job per session that reached processing (TryOnSubmitted / StylingSubmitted). Claimed with
-- FOR UPDATE SKIP LOCKED; a claim holds a lease, renewed while the worker runs, so a job whose
-- worker died is claimed again once `leased_until` has passed.
--   pending -> running -> done                (outcome recorded on the session, hold settled)
--   running -> pending                        (retry later: outcome unknown, a transient failure)
--   running -> failed                         (claims ran out: needs a person; the sweepers still
--                                              release the hold and expire the session)
CREATE TABLE session_jobs (
  session_id      uuid PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('tryon', 'styling')),
  user_id         bigint NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
  -- Claims so far, crashed ones included; a claim beyond max_claims ends the job.
  claims          integer NOT NULL DEFAULT 0 CHECK (claims >= 0),
  max_claims      integer NOT NULL CHECK (max_claims > 0),
  -- Not to be claimed before this time (retry backoff).
  run_after       timestamptz NOT NULL,
  leased_until    timestamptz,
  -- The claim's fencing token: a worker whose lease was taken over can no longer write the row.
  lease_token     uuid,
  leased_by       text,
  -- The credit hold's expiry once reserved: no result is accepted at or after it.
  hold_expires_at timestamptz,
  -- How it ended: captured, released, not_reserved, nothing_to_settle, claims_exhausted.
  outcome         text,
  last_error      text,
  submitted_at    timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  CHECK ((status = 'running') = (lease_token IS NOT NULL))
);
CREATE INDEX session_jobs_due ON session_jobs (run_after) WHERE status = 'pending';
CREATE INDEX session_jobs_leases ON session_jobs (leased_until) WHERE status = 'running';

-- Every session not yet ended, with the time of its last event: the expiry sweeper ends the
-- ones idle for 30 minutes. `ended` rows stay so a replayed event cannot reopen them.
CREATE TABLE session_activity (
  session_id       uuid PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('tryon', 'styling')),
  user_id          bigint NOT NULL,
  last_activity_at timestamptz NOT NULL,
  ended            boolean NOT NULL DEFAULT false,
  last_position    bigint NOT NULL
);
CREATE INDEX session_activity_idle ON session_activity (last_activity_at) WHERE NOT ended;

-- Every credit hold with its expiry; `resolved_at` once captured or released. The hold sweeper
-- releases the unresolved ones past expiry. Rows stay after resolution, for the same reason.
CREATE TABLE credit_holds (
  user_id        bigint NOT NULL,
  reservation_id text NOT NULL,
  feature        text NOT NULL,
  held_credits   bigint NOT NULL,
  expires_at     timestamptz NOT NULL,
  resolved_at    timestamptz,
  resolution     text,
  PRIMARY KEY (user_id, reservation_id)
);
CREATE INDEX credit_holds_open ON credit_holds (expires_at) WHERE resolved_at IS NULL;

-- The sessions projector (projections/sessions/) keeps the session's FSM state and its clock
-- next to the architecture document's columns. `status` stays the document's coarse one.
ALTER TABLE fashion_sessions
  ADD COLUMN state            varchar(32),
  ADD COLUMN submitted_at     timestamptz,
  ADD COLUMN last_activity_at timestamptz,
  ADD COLUMN last_position    bigint NOT NULL DEFAULT 0;

ALTER TABLE session_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_activity ENABLE ROW LEVEL SECURITY;
ALTER TABLE credit_holds ENABLE ROW LEVEL SECURITY;
