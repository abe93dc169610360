-- Idempotency keys are claimed before the command runs (issue 13). Storing the answer after the
-- command let two requests with one key both run it: a key shared by two bodies moved credits
-- for a request that was then answered 422. Now the first request inserts its row as
-- `in_progress` (the primary key makes it the only one), runs the command, then stores the
-- answer (`done`). The others wait for the answer (same body: replayed) or are refused at once
-- (another body: 422), and never run the command themselves.
ALTER TABLE api_idempotency_keys
  ADD COLUMN state text NOT NULL DEFAULT 'done' CHECK (state IN ('in_progress', 'done')),
  -- Which request holds the claim, and until when. A process that died mid-command loses the
  -- key at lease_until; a retry with the same body then runs the command again, which the
  -- ledger's ids (made from the key) keep exactly-once.
  ADD COLUMN claim_id uuid,
  ADD COLUMN lease_until timestamptz,
  ALTER COLUMN status_code DROP NOT NULL,
  ALTER COLUMN response DROP NOT NULL,
  ADD CONSTRAINT api_idempotency_keys_answered
    CHECK (state <> 'done' OR (status_code IS NOT NULL AND response IS NOT NULL)),
  ADD CONSTRAINT api_idempotency_keys_claimed
    CHECK (state <> 'in_progress' OR (claim_id IS NOT NULL AND lease_until IS NOT NULL));
