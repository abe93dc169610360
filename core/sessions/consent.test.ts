import t from 'tap';
import { consentDecider, consentStream, hasConsent, type ConsentCommand, type ConsentEvent } from './index.js';
import { USER_ID, at, outcome } from '../../test/fixtures/sessionFixtures.js';

const { decide, evolve, initialState } = consentDecider;

const given1 = {
  type: 'ConsentGiven',
  data: { userId: USER_ID, version: 1, occurredAt: at(0) },
} satisfies ConsentEvent;
const given2 = {
  type: 'ConsentGiven',
  data: { userId: USER_ID, version: 2, occurredAt: at(100) },
} satisfies ConsentEvent;
const withdrawn1 = {
  type: 'ConsentWithdrawn',
  data: { userId: USER_ID, version: 1, occurredAt: at(50) },
} satisfies ConsentEvent;

const give = (version: number, seconds = 0, userId = USER_ID): ConsentCommand => ({
  type: 'GiveConsent',
  userId,
  version,
  occurredAt: at(seconds),
});
const withdraw = (seconds = 50, userId = USER_ID): ConsentCommand => ({
  type: 'WithdrawConsent',
  userId,
  occurredAt: at(seconds),
});

const rows: Array<{ name: string; given: ConsentEvent[]; when: ConsentCommand; then: object }> = [
  { name: 'first consent', given: [], when: give(1), then: { events: [given1] } },
  { name: 'the same consent again is a no-op', given: [given1], when: give(1, 10), then: { events: [] } },
  { name: 'consent to a newer text', given: [given1], when: give(2, 100), then: { events: [given2] } },
  {
    name: 'consent to an older text is covered already',
    given: [given1, given2],
    when: give(1, 200),
    then: { events: [] },
  },
  { name: 'withdraw', given: [given1], when: withdraw(), then: { events: [withdrawn1] } },
  { name: 'withdraw again is a no-op', given: [given1, withdrawn1], when: withdraw(60), then: { events: [] } },
  { name: 'withdraw without consent is a no-op', given: [], when: withdraw(), then: { events: [] } },
  {
    name: 'consent again after withdrawing',
    given: [given1, withdrawn1],
    when: give(1, 70),
    then: { events: [{ type: 'ConsentGiven', data: { userId: USER_ID, version: 1, occurredAt: at(70) } }] },
  },
  { name: 'version 0', given: [], when: give(0), then: { rejection: 'invalid_consent_version' } },
  { name: 'fractional version', given: [], when: give(1.5), then: { rejection: 'invalid_consent_version' } },
  { name: 'bad user id', given: [], when: give(1, 0, 'someone'), then: { rejection: 'invalid_user_id' } },
  { name: 'another user on this stream', given: [given1], when: withdraw(50, '77'), then: { rejection: 'wrong_user' } },
];

const given = (events: ConsentEvent[]) => events.reduce(evolve, initialState());

for (const row of rows) {
  t.test(row.name, async (t) => t.strictSame(outcome(decide(row.when, given(row.given))), row.then));
}

t.test('hasConsent follows the stream', async (t) => {
  t.equal(hasConsent(given([]), 1), false, 'never asked');
  t.equal(hasConsent(given([given1]), 1), true, 'given');
  t.equal(hasConsent(given([given1]), 2), false, 'a newer text needs a new consent');
  t.equal(hasConsent(given([given1, given2]), 2), true, 'given to the newer text');
  t.equal(hasConsent(given([given1, withdrawn1]), 1), false, 'withdrawn');
  t.match(given([given1, withdrawn1]), { status: 'withdrawn', version: 1, givenAt: at(0), withdrawnAt: at(50) });
  t.equal(consentStream(USER_ID), `consent-${USER_ID}`);
});

t.test('withdrawal without consent cannot be applied', async (t) => {
  t.throws(() => given([withdrawn1]), /ConsentWithdrawn without consent/);
});
