-- Payments: every message from a payment provider, recorded before it is acknowledged (record,
-- acknowledge, then act), and applied to the ledger by the processor (adapters/payments/).
-- Not money: the ledger's events stay the truth. These rows make delivery durable and
-- idempotent, and show finance and support what each provider said and what was done with it.

-- One row per delivery. The unique key makes a redelivered message a no-op (recorded once):
--   stripe:          the event id (evt_…), or `reconcile:<PaymentIntent id>` from the reconciler;
--   yookassa:        `<event>:<object id>` (YooKassa sends no delivery id), or `reconcile:<payment id>`;
--   telegram_stars:  `successful_payment:<charge id>`, `refunded_payment:<charge id>`, `reconcile:<charge id>`.
-- Several rows may name the same payment (several event types report one payment): the ledger's
-- idempotency by paymentId makes them one purchase.
CREATE TABLE payments_inbox (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  provider        text NOT NULL CHECK (provider IN ('telegram_stars', 'stripe', 'yookassa')),
  delivery_id     text NOT NULL CHECK (length(delivery_id) BETWEEN 1 AND 200),
  -- How to read `body`: stripe.event, stripe.checkout_session, yookassa.notification,
  -- yookassa.payment, stars.successful_payment, stars.refunded_payment, stars.transaction.
  kind            text NOT NULL,
  -- webhook, bot, reconciler, operator.
  source          text NOT NULL,
  received_at     timestamptz NOT NULL DEFAULT now(),
  -- The bytes as received (for Stripe, exactly what was signed), and the headers that matter.
  body            bytea NOT NULL,
  headers         jsonb NOT NULL DEFAULT '{}'::jsonb,
  remote_ip       text,
  -- pending -> processing -> done | ignored | rejected | failed; processing -> pending (retry).
  --   done: applied to the ledger (or found already applied);
  --   ignored: understood, nothing for the ledger (an unpaid session, a dispute won);
  --   rejected: not trusted or not ours (the API contradicts it, no metadata);
  --   failed: the ledger refused it for good, or attempts ran out: needs a person (last_error).
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'processing', 'done', 'ignored', 'rejected', 'failed')),
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- pending: not before this; processing: the claim's lease ends here (a worker that died
  -- mid-row loses it then, and the row is claimed again).
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  -- The provider's payment id, once the row was read (lets a purchase wake its early refunds).
  payment_id      text,
  -- What was done: purchased, refunded, duplicate, or why it was ignored/rejected.
  outcome         text,
  processed_at    timestamptz,
  CONSTRAINT payments_inbox_delivery_unique UNIQUE (provider, delivery_id)
);

CREATE INDEX payments_inbox_due ON payments_inbox (next_attempt_at) WHERE status IN ('pending', 'processing');
CREATE INDEX payments_inbox_payment ON payments_inbox (provider, payment_id) WHERE payment_id IS NOT NULL;

-- The purchases the processor recorded in the ledger: which account a provider's payment went
-- to, and what it bought. Refunds and disputes name only the payment (Stripe's charge.refunded
-- knows the PaymentIntent, not our user), so this is how they find the account. Written after the
-- ledger accepted the purchase; the ledger's CreditsPurchased event is the truth.
CREATE TABLE payments_purchases (
  provider      text NOT NULL CHECK (provider IN ('telegram_stars', 'stripe', 'yookassa')),
  payment_id    text NOT NULL,
  user_id       text NOT NULL,
  package_id    text NOT NULL,
  credits       bigint NOT NULL CHECK (credits > 0),
  amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
  currency      text NOT NULL,
  purchased_at  timestamptz NOT NULL,
  recorded_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, payment_id)
);

CREATE INDEX payments_purchases_user ON payments_purchases (user_id);
