import t from 'tap';
import {
  PROCESSING_HOLD_TTL_SECONDS,
  stylistDecider,
  type ShoppingProduct,
  type StylePreferences,
  type StylistCommand,
  type StylistEvent,
  type StylistStatus,
} from './index.js';
import { SESSION_ID, USER_ID, at, image, imageKey, outcome, receipt } from '../../test/fixtures/sessionFixtures.js';

const { decide, evolve, initialState } = stylistDecider;

// ---- given ----------------------------------------------------------------------------------
const photo = image('style_input', 'me');
const preferences: StylePreferences = {
  style: 'minimalist',
  occasion: 'work',
  budget: { currency: 'RUB', minMinor: 0, maxMinor: 1_500_000 },
};
const hold = {
  userId: USER_ID,
  reservationId: SESSION_ID,
  credits: 5,
  feature: 'styling' as const,
  ttlSeconds: PROCESSING_HOLD_TTL_SECONDS,
};
const profile = {
  summary: 'Clean lines, muted colours.',
  bodyType: 'rectangle',
  colorPalette: ['navy', 'grey'],
  styleKeywords: ['minimal'],
};
const recommendations = [
  {
    title: 'Straight wool trousers',
    category: 'bottom' as const,
    query: 'wool trousers straight',
    reason: 'Lengthens the silhouette.',
    score: 0.9,
  },
  { title: 'White oxford shirt', category: 'top' as const, reason: 'A base for every outfit.', score: 0.8 },
];
const styling = { profile, recommendations, ...receipt };
const products: ShoppingProduct[] = [
  {
    productId: 'wb:123456',
    partnerName: 'wildberries',
    productUrl: 'https://www.wildberries.ru/catalog/123456/detail.aspx',
    title: 'Брюки',
    priceMinor: 399_000,
    currency: 'RUB',
    recommendationIndex: 0,
    score: 0.9,
  },
  {
    productId: 'lm:MP002XW0',
    partnerName: 'lamoda',
    productUrl: 'https://www.lamoda.ru/p/mp002xw0/',
    title: 'Рубашка',
    priceMinor: null,
    currency: null,
    recommendationIndex: 1,
    score: 0.7,
  },
];
const capture = { action: 'capture' as const, userId: USER_ID, reservationId: SESSION_ID, credits: 5 };
const release = (reason: 'ai_failed' | 'expired' | 'cancelled') => ({
  action: 'release' as const,
  userId: USER_ID,
  reservationId: SESSION_ID,
  credits: 5,
  reason,
});

const e = {
  started: { type: 'StylingStarted', data: { sessionId: SESSION_ID, userId: USER_ID, occurredAt: at(0) } },
  photo: { type: 'StylePhotoProvided', data: { ...photo, occurredAt: at(60) } },
  preferences: { type: 'StylePreferencesProvided', data: { preferences, occurredAt: at(120) } },
  submitted: { type: 'StylingSubmitted', data: { hold, occurredAt: at(120) } },
  processing: { type: 'StylingProcessingStarted', data: { attempt: 1, occurredAt: at(130) } },
  succeeded: { type: 'StylingSucceeded', data: { ...styling, holdResolution: capture, occurredAt: at(150) } },
  failed: {
    type: 'StylingFailed',
    data: { reason: 'content_policy', attempts: 1, holdResolution: release('ai_failed'), occurredAt: at(150) },
  },
  shopping: { type: 'ShoppingOpened', data: { products, occurredAt: at(160) } },
  clicked: { type: 'ShoppingProductClicked', data: { productId: 'wb:123456', occurredAt: at(170) } },
} satisfies Record<string, StylistEvent>;

const started = [e.started];
const withPhoto = [...started, e.photo];
const submitted = [...withPhoto, e.preferences, e.submitted];
const running = [...submitted, e.processing];
const succeeded = [...running, e.succeeded];
const shopping = [...succeeded, e.shopping];
const clicked = [...shopping, e.clicked];
const failed = [...running, e.failed];

// ---- when -----------------------------------------------------------------------------------
type Cmd<T extends StylistCommand['type']> = Extract<StylistCommand, { type: T }>;
const start = (over: Partial<Cmd<'StartStyling'>> = {}): StylistCommand => ({
  type: 'StartStyling',
  sessionId: SESSION_ID,
  userId: USER_ID,
  occurredAt: at(0),
  ...over,
});
const givePhoto = (over: Partial<Cmd<'ProvideStylePhoto'>> = {}): StylistCommand => ({
  type: 'ProvideStylePhoto',
  ...photo,
  occurredAt: at(60),
  ...over,
});
const submit = (over: Partial<Cmd<'SubmitPreferences'>> = {}): StylistCommand => ({
  type: 'SubmitPreferences',
  preferences,
  credits: 5,
  hasConsent: true,
  occurredAt: at(120),
  ...over,
});
const withPrefs = (p: object): StylistCommand => submit({ preferences: { ...preferences, ...p } as StylePreferences });
const recordResult = (over: Partial<Cmd<'RecordStylingResult'>> = {}): StylistCommand => ({
  type: 'RecordStylingResult',
  ...styling,
  occurredAt: at(150),
  ...over,
});
const openShopping = (list = products, seconds = 160): StylistCommand => ({
  type: 'OpenShopping',
  products: list,
  occurredAt: at(seconds),
});
const click = (productId: string, seconds = 170): StylistCommand => ({
  type: 'RecordProductClicked',
  productId,
  occurredAt: at(seconds),
});
const simple = (type: 'FinishStyling' | 'CancelSession' | 'ExpireSession', seconds: number): StylistCommand => ({
  type,
  occurredAt: at(seconds),
});

interface Row {
  name: string;
  given: StylistEvent[];
  when: StylistCommand;
  then: { events: StylistEvent[] } | { rejection: string };
  status?: StylistStatus;
}

const rows: Row[] = [
  {
    name: 'start a stylist session',
    given: [],
    when: start(),
    then: { events: [e.started] },
    status: 'stylist_waiting_photo',
  },
  { name: 'start again is a no-op', given: started, when: start(), then: { events: [] } },
  {
    name: 'start with a bad session id',
    given: [],
    when: start({ sessionId: 'x' }),
    then: { rejection: 'invalid_session_id' },
  },
  {
    name: 'start with a bad user id',
    given: [],
    when: start({ userId: '-1' }),
    then: { rejection: 'invalid_user_id' },
  },
  {
    name: 'start over another user’s session',
    given: started,
    when: start({ userId: '8' }),
    then: { rejection: 'session_already_exists' },
  },
  { name: 'photo on no session', given: [], when: givePhoto(), then: { rejection: 'session_not_found' } },
  // photo
  {
    name: 'photo moves to preferences',
    given: started,
    when: givePhoto(),
    then: { events: [e.photo] },
    status: 'stylist_preferences',
  },
  { name: 'the same photo again is a no-op', given: withPhoto, when: givePhoto(), then: { events: [] } },
  {
    name: 'another photo later',
    given: withPhoto,
    when: givePhoto(image('style_input', 'other')),
    then: { rejection: 'image_already_provided' },
  },
  {
    name: 'photo under a clothing key',
    given: started,
    when: givePhoto({ imageKey: imageKey('clothing', 'me') }),
    then: { rejection: 'invalid_image_key' },
  },
  {
    name: 'photo over 10 MB',
    given: started,
    when: givePhoto({ bytes: 20_000_000 }),
    then: { rejection: 'image_too_large' },
  },
  {
    name: 'photo after 30 idle minutes',
    given: started,
    when: givePhoto({ occurredAt: at(1800) }),
    then: { rejection: 'session_expired' },
  },
  { name: 'preferences before the photo', given: started, when: submit(), then: { rejection: 'wrong_state' } },
  // preferences: the last input
  {
    name: 'preferences with consent submit for processing',
    given: withPhoto,
    when: submit(),
    then: { events: [e.preferences, e.submitted] },
    status: 'stylist_processing',
  },
  {
    name: 'preferences without consent',
    given: withPhoto,
    when: submit({ hasConsent: false }),
    then: { rejection: 'consent_required' },
  },
  { name: 'a negative price', given: withPhoto, when: submit({ credits: -5 }), then: { rejection: 'invalid_price' } },
  {
    name: 'unknown style',
    given: withPhoto,
    when: withPrefs({ style: 'goth' }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'unknown occasion',
    given: withPhoto,
    when: withPrefs({ occasion: 'funeral' }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'budget in an unknown currency',
    given: withPhoto,
    when: withPrefs({ budget: { currency: 'EUR', minMinor: 0, maxMinor: 100 } }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'budget min above max',
    given: withPhoto,
    when: withPrefs({ budget: { currency: 'USD', minMinor: 500, maxMinor: 100 } }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'budget above the ceiling',
    given: withPhoto,
    when: withPrefs({ budget: { currency: 'USD', minMinor: 0, maxMinor: 1_000_001 } }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'budget of zero',
    given: withPhoto,
    when: withPrefs({ budget: { currency: 'USD', minMinor: 0, maxMinor: 0 } }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'budget in fractions',
    given: withPhoto,
    when: withPrefs({ budget: { currency: 'RUB', minMinor: 0.5, maxMinor: 100 } }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'budget missing',
    given: withPhoto,
    when: withPrefs({ budget: undefined }),
    then: { rejection: 'invalid_preferences' },
  },
  {
    name: 'the same preferences again are a no-op',
    given: submitted,
    when: submit({ occurredAt: at(125) }),
    then: { events: [] },
  },
  {
    name: 'different preferences later',
    given: submitted,
    when: withPrefs({ style: 'casual' }),
    then: { rejection: 'preferences_already_provided' },
  },
  // worker
  {
    name: 'worker starts',
    given: submitted,
    when: { type: 'RecordProcessingStarted', attempt: 1, occurredAt: at(130) },
    then: { events: [e.processing] },
  },
  {
    name: 'worker start repeated',
    given: running,
    when: { type: 'RecordProcessingStarted', attempt: 1, occurredAt: at(131) },
    then: { events: [] },
  },
  {
    name: 'worker attempt out of range',
    given: running,
    when: { type: 'RecordProcessingStarted', attempt: 99, occurredAt: at(131) },
    then: { rejection: 'invalid_attempt' },
  },
  {
    name: 'ledger refused the hold',
    given: submitted,
    when: { type: 'RecordReservationRejected', reason: 'account_in_debt', occurredAt: at(125) },
    then: {
      events: [
        {
          type: 'StylingFailed',
          data: {
            reason: 'account_in_debt',
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
    when: { type: 'RecordReservationRejected', reason: 'account_in_debt', occurredAt: at(135) },
    then: { rejection: 'wrong_state' },
  },
  {
    name: 'refusal reason must be a code',
    given: submitted,
    when: { type: 'RecordReservationRejected', reason: 'No!', occurredAt: at(125) },
    then: { rejection: 'invalid_reason' },
  },
  {
    name: 'result captures the hold',
    given: running,
    when: recordResult(),
    then: { events: [e.succeeded] },
    status: 'stylist_results',
  },
  { name: 'the same result again is a no-op', given: succeeded, when: recordResult(), then: { events: [] } },
  {
    name: 'another result later',
    given: succeeded,
    when: recordResult({ recommendations: recommendations.slice(1) }),
    then: { rejection: 'outcome_already_recorded' },
  },
  {
    name: 'result with no recommendations',
    given: running,
    when: recordResult({ recommendations: [] }),
    then: { rejection: 'invalid_result' },
  },
  {
    name: 'recommendation with an http link',
    given: running,
    when: recordResult({ recommendations: [{ ...recommendations[1]!, productUrl: 'http://shop.example/x' }] }),
    then: { rejection: 'invalid_result' },
  },
  {
    name: 'recommendation score above 1',
    given: running,
    when: recordResult({ recommendations: [{ ...recommendations[1]!, score: 2 }] }),
    then: { rejection: 'invalid_result' },
  },
  {
    name: 'profile without a summary',
    given: running,
    when: recordResult({ profile: { ...profile, summary: ' ' } }),
    then: { rejection: 'invalid_result' },
  },
  {
    name: 'bad provider name',
    given: running,
    when: recordResult({ provider: 'Open AI' }),
    then: { rejection: 'invalid_result' },
  },
  { name: 'result before processing', given: withPhoto, when: recordResult(), then: { rejection: 'wrong_state' } },
  {
    name: 'AI failure releases the hold',
    given: running,
    when: { type: 'RecordStylingFailed', reason: 'content_policy', attempts: 1, occurredAt: at(150) },
    then: { events: [e.failed] },
    status: 'failed',
  },
  {
    name: 'failure repeated',
    given: failed,
    when: { type: 'RecordStylingFailed', reason: 'content_policy', attempts: 1, occurredAt: at(155) },
    then: { events: [] },
  },
  {
    name: 'failure after success',
    given: succeeded,
    when: { type: 'RecordStylingFailed', reason: 'content_policy', attempts: 1, occurredAt: at(155) },
    then: { rejection: 'outcome_already_recorded' },
  },
  {
    name: 'failure with a free-text reason',
    given: running,
    when: { type: 'RecordStylingFailed', reason: 'Oops', attempts: 1, occurredAt: at(150) },
    then: { rejection: 'invalid_reason' },
  },
  {
    name: 'failure with negative attempts',
    given: running,
    when: { type: 'RecordStylingFailed', reason: 'timeout', attempts: -1, occurredAt: at(150) },
    then: { rejection: 'invalid_attempt' },
  },
  // results and shopping
  {
    name: 'open the shopping links',
    given: succeeded,
    when: openShopping(),
    then: { events: [e.shopping] },
    status: 'stylist_shopping',
  },
  {
    name: 'open the same links again is a no-op',
    given: shopping,
    when: openShopping(products, 165),
    then: { events: [] },
  },
  {
    name: 'open other links later',
    given: shopping,
    when: openShopping(products.slice(0, 1)),
    then: { rejection: 'wrong_state' },
  },
  { name: 'shopping before results', given: running, when: openShopping(), then: { rejection: 'wrong_state' } },
  { name: 'no links', given: succeeded, when: openShopping([]), then: { rejection: 'invalid_shopping_links' } },
  {
    name: 'a link to an unknown recommendation',
    given: succeeded,
    when: openShopping([{ ...products[0]!, recommendationIndex: 2 }]),
    then: { rejection: 'invalid_shopping_links' },
  },
  {
    name: 'a javascript: link',
    given: succeeded,
    when: openShopping([{ ...products[0]!, productUrl: 'javascript:alert(1)' }]),
    then: { rejection: 'invalid_shopping_links' },
  },
  {
    name: 'the same product twice',
    given: succeeded,
    when: openShopping([products[0]!, products[0]!]),
    then: { rejection: 'invalid_shopping_links' },
  },
  {
    name: 'a price without a currency',
    given: succeeded,
    when: openShopping([{ ...products[0]!, currency: null }]),
    then: { rejection: 'invalid_shopping_links' },
  },
  { name: 'click a product', given: shopping, when: click('wb:123456'), then: { events: [e.clicked] } },
  { name: 'click it again is a no-op', given: clicked, when: click('wb:123456', 175), then: { events: [] } },
  { name: 'click an unknown product', given: shopping, when: click('wb:999'), then: { rejection: 'unknown_product' } },
  { name: 'click before shopping', given: succeeded, when: click('wb:123456'), then: { rejection: 'wrong_state' } },
  {
    name: 'finish from the results',
    given: succeeded,
    when: simple('FinishStyling', 200),
    then: { events: [{ type: 'StylingCompleted', data: { fromState: 'stylist_results', occurredAt: at(200) } }] },
    status: 'completed',
  },
  {
    name: 'finish from shopping',
    given: clicked,
    when: simple('FinishStyling', 200),
    then: { events: [{ type: 'StylingCompleted', data: { fromState: 'stylist_shopping', occurredAt: at(200) } }] },
    status: 'completed',
  },
  {
    name: 'finish again is a no-op',
    given: [...clicked, { type: 'StylingCompleted', data: { fromState: 'stylist_shopping', occurredAt: at(200) } }],
    when: simple('FinishStyling', 210),
    then: { events: [] },
  },
  {
    name: 'finish while processing',
    given: running,
    when: simple('FinishStyling', 140),
    then: { rejection: 'wrong_state' },
  },
  {
    name: 'shopping after 30 idle minutes',
    given: succeeded,
    when: openShopping(products, 150 + 1800),
    then: { rejection: 'session_expired' },
  },
  // cancel and expire
  {
    name: 'cancel while processing releases the hold',
    given: running,
    when: simple('CancelSession', 140),
    then: {
      events: [
        {
          type: 'SessionCancelled',
          data: { fromState: 'stylist_processing', holdResolution: release('cancelled'), occurredAt: at(140) },
        },
      ],
    },
    status: 'cancelled',
  },
  {
    name: 'cancel in preferences: nothing held',
    given: withPhoto,
    when: simple('CancelSession', 100),
    then: {
      events: [
        {
          type: 'SessionCancelled',
          data: { fromState: 'stylist_preferences', holdResolution: null, occurredAt: at(100) },
        },
      ],
    },
  },
  {
    name: 'expire a stuck job releases the hold',
    given: submitted,
    when: simple('ExpireSession', 120 + 1800),
    then: {
      events: [
        {
          type: 'SessionExpired',
          data: {
            fromState: 'stylist_processing',
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
    name: 'expire the shopping screen: already captured',
    given: shopping,
    when: simple('ExpireSession', 160 + 1800),
    then: {
      events: [
        {
          type: 'SessionExpired',
          data: { fromState: 'stylist_shopping', idleSeconds: 1800, holdResolution: null, occurredAt: at(1960) },
        },
      ],
    },
  },
  {
    name: 'expire too early',
    given: shopping,
    when: simple('ExpireSession', 170),
    then: { rejection: 'session_not_idle' },
  },
  {
    name: 'expire a failed session',
    given: failed,
    when: simple('ExpireSession', 9000),
    then: { rejection: 'session_closed' },
  },
];

const given = (events: StylistEvent[]) => events.reduce(evolve, initialState());

for (const row of rows) {
  t.test(row.name, async (t) => {
    const state = given(row.given);
    const decision = decide(row.when, state);
    t.strictSame(outcome(decision), row.then);
    if (decision.ok && row.status) t.equal(decision.events.reduce(evolve, state).status, row.status);
  });
}

t.test('state after shopping', async (t) => {
  t.match(given(clicked), {
    status: 'stylist_shopping',
    photo,
    preferences,
    hold,
    holdResolution: capture,
    products,
    clickedProductIds: ['wb:123456'],
    result: { profile, recommendations },
  });
});

t.test('evolve crashes on facts that cannot follow each other', async (t) => {
  t.throws(() => given([...started, e.submitted]), /StylingSubmitted in state stylist_waiting_photo/);
  t.throws(() => given([...clicked, e.clicked]), /ShoppingProductClicked/);
  t.throws(() => given([...failed, e.succeeded]), /StylingSucceeded in state failed/);
});
