import t from 'tap';
import {
  PROCESSING_HOLD_TTL_SECONDS,
  tryOnDecider,
  type TryOnCommand,
  type TryOnEvent,
  type TryOnStatus,
} from './index.js';
import {
  OTHER_SESSION_ID,
  SESSION_ID,
  USER_ID,
  at,
  image,
  imageKey,
  outcome,
  receipt,
} from '../../test/fixtures/sessionFixtures.js';

const { decide, evolve, initialState } = tryOnDecider;

// ---- given: event histories ---------------------------------------------------------------
const clothing = image('clothing', 'shirt');
const person = image('person', 'me');
const hold = {
  userId: USER_ID,
  reservationId: SESSION_ID,
  credits: 3,
  feature: 'tryon' as const,
  ttlSeconds: PROCESSING_HOLD_TTL_SECONDS,
};
const resultKey = imageKey('tryon_result', 'result', { mimeType: 'image/png' });
const result = { resultImageKey: resultKey, qualityScore: 0.87, ...receipt };
const capture = { action: 'capture' as const, userId: USER_ID, reservationId: SESSION_ID, credits: 3 };
const release = (reason: 'ai_failed' | 'expired' | 'cancelled') => ({
  action: 'release' as const,
  userId: USER_ID,
  reservationId: SESSION_ID,
  credits: 3,
  reason,
});

const e = {
  started: { type: 'TryOnStarted', data: { sessionId: SESSION_ID, userId: USER_ID, occurredAt: at(0) } },
  clothing: { type: 'ClothingImageProvided', data: { ...clothing, occurredAt: at(60) } },
  person: { type: 'PersonImageProvided', data: { ...person, occurredAt: at(120) } },
  submitted: { type: 'TryOnSubmitted', data: { hold, occurredAt: at(120) } },
  processing: { type: 'TryOnProcessingStarted', data: { attempt: 1, occurredAt: at(130) } },
  succeeded: { type: 'TryOnSucceeded', data: { ...result, holdResolution: capture, occurredAt: at(150) } },
  failed: {
    type: 'TryOnFailed',
    data: { reason: 'provider_unreachable', attempts: 3, holdResolution: release('ai_failed'), occurredAt: at(150) },
  },
  rated: { type: 'TryOnRated', data: { rating: 5, occurredAt: at(160) } },
  completedMenu: { type: 'TryOnCompleted', data: { next: 'menu', occurredAt: at(170) } },
  cancelled: {
    type: 'SessionCancelled',
    data: { fromState: 'tryon_waiting_person', holdResolution: null, occurredAt: at(90) },
  },
  expired: {
    type: 'SessionExpired',
    data: { fromState: 'tryon_waiting_clothing', idleSeconds: 1800, holdResolution: null, occurredAt: at(1800) },
  },
} satisfies Record<string, TryOnEvent>;

const started = [e.started];
const withClothing = [...started, e.clothing];
const submitted = [...withClothing, e.person, e.submitted];
const running = [...submitted, e.processing];
const succeeded = [...running, e.succeeded];
const failed = [...running, e.failed];
const rated = [...succeeded, e.rated];
const completed = [...rated, e.completedMenu];
const cancelled = [...withClothing, e.cancelled];
const expired = [...started, e.expired];

// ---- when: commands -------------------------------------------------------------------------
const start = (over: Partial<Extract<TryOnCommand, { type: 'StartTryOn' }>> = {}): TryOnCommand => ({
  type: 'StartTryOn',
  sessionId: SESSION_ID,
  userId: USER_ID,
  occurredAt: at(0),
  ...over,
});
const giveClothing = (over: Partial<Extract<TryOnCommand, { type: 'ProvideClothingImage' }>> = {}): TryOnCommand => ({
  type: 'ProvideClothingImage',
  ...clothing,
  occurredAt: at(60),
  ...over,
});
const givePerson = (over: Partial<Extract<TryOnCommand, { type: 'ProvidePersonImage' }>> = {}): TryOnCommand => ({
  type: 'ProvidePersonImage',
  ...person,
  credits: 3,
  hasConsent: true,
  occurredAt: at(120),
  ...over,
});
const started1 = (attempt: number, seconds = 130): TryOnCommand => ({
  type: 'RecordProcessingStarted',
  attempt,
  occurredAt: at(seconds),
});
const recordResult = (over: Partial<Extract<TryOnCommand, { type: 'RecordTryOnResult' }>> = {}): TryOnCommand => ({
  type: 'RecordTryOnResult',
  ...result,
  occurredAt: at(150),
  ...over,
});
const recordFailed = (reason = 'provider_unreachable', attempts = 3, seconds = 150): TryOnCommand => ({
  type: 'RecordTryOnFailed',
  reason,
  attempts,
  occurredAt: at(seconds),
});
const rejected = (reason: string, seconds = 125): TryOnCommand => ({
  type: 'RecordReservationRejected',
  reason,
  occurredAt: at(seconds),
});
const rate = (rating: number, seconds = 160): TryOnCommand => ({ type: 'RateResult', rating, occurredAt: at(seconds) });
const simple = (
  type: 'TryAgain' | 'BackToMenu' | 'CancelSession' | 'ExpireSession',
  seconds: number,
): TryOnCommand => ({ type, occurredAt: at(seconds) });

// ---- then -----------------------------------------------------------------------------------
interface Row {
  name: string;
  given: TryOnEvent[];
  when: TryOnCommand;
  then: { events: TryOnEvent[] } | { rejection: string };
  status?: TryOnStatus;
}

const rows: Row[] = [
  // start
  {
    name: 'start a new session',
    given: [],
    when: start(),
    then: { events: [e.started] },
    status: 'tryon_waiting_clothing',
  },
  {
    name: 'start again with the same ids is a no-op',
    given: started,
    when: start({ occurredAt: at(5) }),
    then: { events: [] },
  },
  {
    name: 'start over an existing session for another user',
    given: started,
    when: start({ userId: '7' }),
    then: { rejection: 'session_already_exists' },
  },
  {
    name: 'start with a session id that is not a UUID',
    given: [],
    when: start({ sessionId: 'abc' }),
    then: { rejection: 'invalid_session_id' },
  },
  {
    name: 'start with a user id that is not a Telegram id',
    given: [],
    when: start({ userId: 'bob' }),
    then: { rejection: 'invalid_user_id' },
  },
  {
    name: 'any other command on no session',
    given: [],
    when: giveClothing(),
    then: { rejection: 'session_not_found' },
  },
  {
    name: 'expire on no session',
    given: [],
    when: simple('ExpireSession', 9999),
    then: { rejection: 'session_not_found' },
  },
  // clothing
  {
    name: 'clothing image moves to waiting for the person',
    given: started,
    when: giveClothing(),
    then: { events: [e.clothing] },
    status: 'tryon_waiting_person',
  },
  {
    name: 'the same clothing image again is a no-op',
    given: withClothing,
    when: giveClothing({ occurredAt: at(65) }),
    then: { events: [] },
  },
  {
    name: 'a different clothing image later',
    given: withClothing,
    when: giveClothing(image('clothing', 'dress')),
    then: { rejection: 'image_already_provided' },
  },
  {
    name: 'clothing under a person key',
    given: started,
    when: giveClothing({ imageKey: imageKey('person', 'shirt') }),
    then: { rejection: 'invalid_image_key' },
  },
  {
    name: 'clothing key of another session',
    given: started,
    when: giveClothing({ imageKey: imageKey('clothing', 'shirt', { sessionId: OTHER_SESSION_ID }) }),
    then: { rejection: 'invalid_image_key' },
  },
  {
    name: 'clothing key not made by keyFor',
    given: started,
    when: giveClothing({ imageKey: '../../etc/passwd' }),
    then: { rejection: 'invalid_image_key' },
  },
  {
    name: 'key extension disagrees with the type',
    given: started,
    when: giveClothing({ mimeType: 'image/png' }),
    then: { rejection: 'invalid_image_key' },
  },
  {
    name: 'clothing over 10 MB',
    given: started,
    when: giveClothing({ bytes: 10 * 1024 * 1024 + 1 }),
    then: { rejection: 'image_too_large' },
  },
  {
    name: 'clothing of zero bytes',
    given: started,
    when: giveClothing({ bytes: 0 }),
    then: { rejection: 'image_corrupt' },
  },
  {
    name: 'clothing as a GIF',
    given: started,
    when: giveClothing({ mimeType: 'image/gif' as 'image/png' }),
    then: { rejection: 'unsupported_image_type' },
  },
  {
    name: 'clothing after 30 idle minutes',
    given: started,
    when: giveClothing({ occurredAt: at(1800) }),
    then: { rejection: 'session_expired' },
  },
  { name: 'person before clothing', given: started, when: givePerson(), then: { rejection: 'wrong_state' } },
  // person: the last input
  {
    name: 'person image with consent submits for processing',
    given: withClothing,
    when: givePerson(),
    then: { events: [e.person, e.submitted] },
    status: 'tryon_processing',
  },
  {
    name: 'the price comes from the command',
    given: withClothing,
    when: givePerson({ credits: 4 }),
    then: {
      events: [e.person, { type: 'TryOnSubmitted', data: { hold: { ...hold, credits: 4 }, occurredAt: at(120) } }],
    },
  },
  {
    name: 'person image without consent',
    given: withClothing,
    when: givePerson({ hasConsent: false }),
    then: { rejection: 'consent_required' },
  },
  {
    name: 'a zero price is a configuration error',
    given: withClothing,
    when: givePerson({ credits: 0 }),
    then: { rejection: 'invalid_price' },
  },
  {
    name: 'a fractional price',
    given: withClothing,
    when: givePerson({ credits: 2.5 }),
    then: { rejection: 'invalid_price' },
  },
  {
    name: 'the same person image again is a no-op',
    given: submitted,
    when: givePerson({ occurredAt: at(121) }),
    then: { events: [] },
  },
  {
    name: 'the same person image at another price',
    given: submitted,
    when: givePerson({ credits: 5 }),
    then: { rejection: 'image_already_provided' },
  },
  {
    name: 'a different person image later',
    given: submitted,
    when: givePerson(image('person', 'you')),
    then: { rejection: 'image_already_provided' },
  },
  {
    name: 'person under a clothing key',
    given: withClothing,
    when: givePerson({ imageKey: imageKey('clothing', 'me') }),
    then: { rejection: 'invalid_image_key' },
  },
  {
    name: 'person after 30 idle minutes',
    given: withClothing,
    when: givePerson({ occurredAt: at(60 + 1800) }),
    then: { rejection: 'session_expired' },
  },
  // worker
  { name: 'worker starts the first attempt', given: submitted, when: started1(1), then: { events: [e.processing] } },
  { name: 'worker reports the same attempt again', given: running, when: started1(1, 140), then: { events: [] } },
  {
    name: 'worker starts a second attempt',
    given: running,
    when: started1(2, 140),
    then: { events: [{ type: 'TryOnProcessingStarted', data: { attempt: 2, occurredAt: at(140) } }] },
  },
  {
    name: 'worker attempt beyond the limit',
    given: running,
    when: started1(6),
    then: { rejection: 'invalid_attempt' },
  },
  { name: 'worker attempt zero', given: submitted, when: started1(0), then: { rejection: 'invalid_attempt' } },
  {
    name: 'worker start before processing',
    given: withClothing,
    when: started1(1),
    then: { rejection: 'wrong_state' },
  },
  {
    name: 'ledger refused the hold: failed, nothing to release',
    given: submitted,
    when: rejected('insufficient_credits'),
    then: {
      events: [
        {
          type: 'TryOnFailed',
          data: {
            reason: 'insufficient_credits',
            attempts: 0,
            holdResolution: {
              action: 'none',
              userId: USER_ID,
              reservationId: SESSION_ID,
              reason: 'reservation_rejected',
            },
            occurredAt: at(125),
          },
        },
      ],
    },
    status: 'failed',
  },
  {
    name: 'ledger refusal after the worker started',
    given: running,
    when: rejected('insufficient_credits'),
    then: { rejection: 'wrong_state' },
  },
  {
    name: 'refusal reason must be a code',
    given: submitted,
    when: rejected('Not enough!'),
    then: { rejection: 'invalid_reason' },
  },
  {
    name: 'result captures the hold',
    given: running,
    when: recordResult(),
    then: { events: [e.succeeded] },
    status: 'tryon_result',
  },
  {
    name: 'the same result again is a no-op',
    given: succeeded,
    when: recordResult({ occurredAt: at(155) }),
    then: { events: [] },
  },
  {
    name: 'a second, different result',
    given: succeeded,
    when: recordResult({ qualityScore: 0.5 }),
    then: { rejection: 'outcome_already_recorded' },
  },
  {
    name: 'failure after success',
    given: succeeded,
    when: recordFailed(),
    then: { rejection: 'outcome_already_recorded' },
  },
  {
    name: 'result after failure',
    given: failed,
    when: recordResult(),
    then: { rejection: 'outcome_already_recorded' },
  },
  {
    name: 'result stored outside generated-images',
    given: running,
    when: recordResult({ resultImageKey: imageKey('clothing', 'x') }),
    then: { rejection: 'invalid_result' },
  },
  {
    name: 'quality score above 1',
    given: running,
    when: recordResult({ qualityScore: 1.5 }),
    then: { rejection: 'invalid_result' },
  },
  {
    name: 'negative cost',
    given: running,
    when: recordResult({ costMicroUsd: -1 }),
    then: { rejection: 'invalid_result' },
  },
  { name: 'result before processing', given: withClothing, when: recordResult(), then: { rejection: 'wrong_state' } },
  {
    name: 'result 30 minutes after submission',
    given: running,
    when: recordResult({ occurredAt: at(120 + 1800) }),
    then: { rejection: 'session_expired' },
  },
  {
    name: 'worker retries do not keep the session alive',
    given: [...running, { type: 'TryOnProcessingStarted', data: { attempt: 2, occurredAt: at(1000) } }],
    when: recordResult({ occurredAt: at(120 + 1800) }),
    then: { rejection: 'session_expired' },
  },
  {
    name: 'result on a cancelled session',
    given: [
      ...submitted,
      {
        ...e.cancelled,
        data: { fromState: 'tryon_processing', holdResolution: release('cancelled'), occurredAt: at(125) },
      },
    ],
    when: recordResult(),
    then: { rejection: 'session_cancelled' },
  },
  {
    name: 'AI failure releases the hold',
    given: running,
    when: recordFailed(),
    then: { events: [e.failed] },
    status: 'failed',
  },
  {
    name: 'the same failure again is a no-op',
    given: failed,
    when: recordFailed('provider_unreachable', 3, 200),
    then: { events: [] },
  },
  {
    name: 'failure with too many attempts',
    given: running,
    when: recordFailed('timeout', 9),
    then: { rejection: 'invalid_attempt' },
  },
  {
    name: 'failure reason must be a code',
    given: running,
    when: recordFailed('It broke'),
    then: { rejection: 'invalid_reason' },
  },
  // result screen
  { name: 'rate the result', given: succeeded, when: rate(5), then: { events: [e.rated] } },
  { name: 'the same rating again is a no-op', given: rated, when: rate(5, 165), then: { events: [] } },
  { name: 'a different rating later', given: rated, when: rate(3), then: { rejection: 'already_rated' } },
  { name: 'rating 0', given: succeeded, when: rate(0), then: { rejection: 'invalid_rating' } },
  { name: 'rating 6', given: succeeded, when: rate(6), then: { rejection: 'invalid_rating' } },
  { name: 'rating 4.5', given: succeeded, when: rate(4.5), then: { rejection: 'invalid_rating' } },
  { name: 'rating while processing', given: running, when: rate(4), then: { rejection: 'wrong_state' } },
  {
    name: 'try again ends the session for a new one',
    given: succeeded,
    when: simple('TryAgain', 170),
    then: { events: [{ type: 'TryOnCompleted', data: { next: 'new_tryon', occurredAt: at(170) } }] },
    status: 'completed',
  },
  {
    name: 'back to the menu',
    given: rated,
    when: simple('BackToMenu', 170),
    then: { events: [e.completedMenu] },
    status: 'completed',
  },
  {
    name: 'back to the menu again is a no-op',
    given: completed,
    when: simple('BackToMenu', 175),
    then: { events: [] },
  },
  {
    name: 'try again after going back to the menu',
    given: completed,
    when: simple('TryAgain', 175),
    then: { rejection: 'session_closed' },
  },
  {
    name: 'rating a closed session',
    given: [...succeeded, e.completedMenu],
    when: rate(4, 175),
    then: { rejection: 'session_closed' },
  },
  {
    name: 'try again while processing',
    given: running,
    when: simple('TryAgain', 140),
    then: { rejection: 'wrong_state' },
  },
  // cancel
  {
    name: 'cancel while waiting: nothing held',
    given: withClothing,
    when: simple('CancelSession', 90),
    then: { events: [e.cancelled] },
    status: 'cancelled',
  },
  {
    name: 'cancel while processing releases the hold',
    given: running,
    when: simple('CancelSession', 140),
    then: {
      events: [
        {
          type: 'SessionCancelled',
          data: { fromState: 'tryon_processing', holdResolution: release('cancelled'), occurredAt: at(140) },
        },
      ],
    },
    status: 'cancelled',
  },
  {
    name: 'cancel on the result screen: already captured',
    given: succeeded,
    when: simple('CancelSession', 160),
    then: {
      events: [
        { type: 'SessionCancelled', data: { fromState: 'tryon_result', holdResolution: null, occurredAt: at(160) } },
      ],
    },
  },
  {
    name: 'cancel long after the last input is still a cancel',
    given: withClothing,
    when: simple('CancelSession', 7200),
    then: {
      events: [
        {
          type: 'SessionCancelled',
          data: { fromState: 'tryon_waiting_person', holdResolution: null, occurredAt: at(7200) },
        },
      ],
    },
  },
  { name: 'cancel again is a no-op', given: cancelled, when: simple('CancelSession', 95), then: { events: [] } },
  { name: 'input after cancel', given: cancelled, when: givePerson(), then: { rejection: 'session_cancelled' } },
  {
    name: 'cancel after expiry',
    given: expired,
    when: simple('CancelSession', 1900),
    then: { rejection: 'session_expired' },
  },
  {
    name: 'cancel after failure',
    given: failed,
    when: simple('CancelSession', 160),
    then: { rejection: 'session_closed' },
  },
  // expire
  {
    name: 'expire one second early',
    given: started,
    when: simple('ExpireSession', 1799),
    then: { rejection: 'session_not_idle' },
  },
  {
    name: 'expire after 30 idle minutes',
    given: started,
    when: simple('ExpireSession', 1800),
    then: { events: [e.expired] },
    status: 'expired',
  },
  {
    name: 'expire a stuck job releases the hold',
    given: running,
    when: simple('ExpireSession', 120 + 1800),
    then: {
      events: [
        {
          type: 'SessionExpired',
          data: {
            fromState: 'tryon_processing',
            idleSeconds: 1800,
            holdResolution: release('expired'),
            occurredAt: at(1920),
          },
        },
      ],
    },
    status: 'expired',
  },
  {
    name: 'expire the result screen: already captured',
    given: rated,
    when: simple('ExpireSession', 160 + 3600),
    then: {
      events: [
        {
          type: 'SessionExpired',
          data: { fromState: 'tryon_result', idleSeconds: 3600, holdResolution: null, occurredAt: at(3760) },
        },
      ],
    },
  },
  { name: 'expire again is a no-op', given: expired, when: simple('ExpireSession', 5000), then: { events: [] } },
  {
    name: 'input after expiry',
    given: expired,
    when: giveClothing({ occurredAt: at(1801) }),
    then: { rejection: 'session_expired' },
  },
  {
    name: 'expire a completed session',
    given: completed,
    when: simple('ExpireSession', 9000),
    then: { rejection: 'session_closed' },
  },
  {
    name: 'expire a cancelled session',
    given: cancelled,
    when: simple('ExpireSession', 9000),
    then: { rejection: 'session_cancelled' },
  },
];

const given = (events: TryOnEvent[]) => events.reduce(evolve, initialState());

for (const row of rows) {
  t.test(row.name, async (t) => {
    const state = given(row.given);
    const decision = decide(row.when, state);
    t.strictSame(outcome(decision), row.then);
    if (decision.ok && row.status) t.equal(decision.events.reduce(evolve, state).status, row.status);
  });
}

t.test('state after a full session', async (t) => {
  const state = given(completed);
  t.match(state, {
    status: 'completed',
    clothing,
    person,
    hold,
    holdResolution: capture,
    attempt: 1,
    rating: 5,
    next: 'menu',
    result: { resultImageKey: resultKey, qualityScore: 0.87 },
    lastActivityAt: at(170),
  });
});

t.test('evolve crashes on facts that cannot follow each other', async (t) => {
  t.throws(() => given([e.succeeded]), /TryOnSucceeded in state not_started/);
  t.throws(() => given([...withClothing, e.submitted]), /TryOnSubmitted/);
  t.throws(() => given([...succeeded, e.failed]), /TryOnFailed in state tryon_result/);
  t.throws(
    () =>
      given([...succeeded, { ...e.cancelled, data: { ...e.cancelled.data, holdResolution: release('cancelled') } }]),
    /must resolve exactly the open hold/,
  );
  t.throws(
    () => given([...running, { ...e.expired, data: { ...e.expired.data, holdResolution: null } }]),
    /must resolve exactly the open hold/,
  );
});

t.test('a malformed command time is a bug, not a rejection', async (t) => {
  t.throws(() => decide(giveClothing({ occurredAt: 'yesterday' }), given(started)), TypeError);
});
