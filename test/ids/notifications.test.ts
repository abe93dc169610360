import t from 'tap';
import { notificationOf } from '../../adapters/telegram/notifications.js';
import type { RecordedEvent } from '../../core/eventstore/index.js';

// Issue 13: the notifier looped on a purchase for account-9223372036854775808; such an event has no one to tell.
const purchased = (stream: string): RecordedEvent => ({
  id: '00000000-0000-4000-8000-000000000001',
  stream,
  revision: 1,
  position: 2,
  type: 'CreditsPurchased',
  recordedAt: '2026-01-01T00:00:00Z',
  data: { credits: 10, balanceAfter: 13 },
  metadata: { occurredAt: '2026-01-01T00:00:00Z' },
});

t.test('no notification for an id that is no Telegram user', async (t) => {
  t.match(notificationOf(purchased('account-42')), { kind: 'payment_received', userId: '42' });
  t.equal(notificationOf(purchased('account-9223372036854775808')), undefined);
  t.equal(notificationOf(purchased('account-0042')), undefined);
});
