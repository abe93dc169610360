-- Idempotency keys of the service API (`Idempotency-Key` header, adapters/http/api/). The first
-- answer to a key is kept: the same key with the same body replays it, the same key with another
-- body is refused (422 idempotency_key_reused). Not money: the ledger is idempotent by its own
-- ids (the reservation id of /credits/use is made from the key), so losing a row here never moves
-- credits twice; the row only lets a client read the first answer again.
CREATE TABLE api_idempotency_keys (
  -- The route the key was used on: a key is scoped to one route.
  scope           text NOT NULL CHECK (length(scope) BETWEEN 1 AND 100),
  idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  -- SHA-256 of the canonical JSON of the request body.
  request_hash    text NOT NULL,
  status_code     integer NOT NULL CHECK (status_code BETWEEN 200 AND 599),
  response        jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, idempotency_key)
);

-- Old keys can be pruned by age (a client retries within minutes, not months).
CREATE INDEX api_idempotency_keys_created ON api_idempotency_keys (created_at);
