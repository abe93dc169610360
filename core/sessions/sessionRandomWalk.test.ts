import t, { type Test } from 'tap';
import {
  SESSION_IDLE_TIMEOUT_SECONDS,
  stylistDecider,
  tryOnDecider,
  type HoldResolution,
  type StylistCommand,
  type StylistSession,
  type TryOnCommand,
  type TryOnSession,
} from './index.js';
import {
  OTHER_SESSION_ID,
  SESSION_ID,
  T0_MS,
  USER_ID,
  imageKey,
  receipt,
} from '../../test/fixtures/sessionFixtures.js';

/**
 * Random walks over both session deciders: random commands (good, bad, repeated, late) at
 * random times. After every step: nothing reaches processing without its inputs and consent, a
 * hold is resolved at most once, an accepted command repeated is a no-op. At the end (after a
 * final expiry): every session that reached processing has exactly one outcome and one hold
 * resolution, the resolution fits the outcome, and a result (a capture) is only accepted
 * within the idle window after submission, well inside the hold's lifetime.
 * SESSION_WALK_SEED=<n> (and SESSION_WALKS=1) replays one run.
 */

const WALKS = Number(process.env.SESSION_WALKS ?? 400);
const MAX_STEPS = 40;
const baseSeed = Number(process.env.SESSION_WALK_SEED ?? Math.floor(Math.random() * 2 ** 31));
t.comment(`seed ${baseSeed} (replay with SESSION_WALK_SEED=${baseSeed})`);

const mulberry32 = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const chance = (rng: Rng, p: number) => rng() < p;

/** Mostly small steps; sometimes a pause around the idle timeout. */
const nextTime = (rng: Rng, seconds: number): number =>
  seconds + (chance(rng, 0.04) ? pick(rng, [1799, 1800, 1801, 2500]) : Math.floor(rng() * 300));

interface Decider<C, E, S> {
  decide: (c: C, s: S) => { ok: true; events: E[] } | { ok: false; rejection: string };
  evolve: (s: S, e: E) => S;
  initialState: () => S;
}
interface WalkSpec<C extends { type: string; occurredAt: string }, E extends { type: string; data: object }, S> {
  decider: Decider<C, E, S>;
  command: (rng: Rng, iso: string) => C;
  expire: (iso: string) => C;
  submitted: string;
  succeeded: string;
  failed: string;
  inputsComplete: (s: S) => boolean;
  processing: string;
}

interface Tally {
  reachedProcessing: number;
  outcomes: Record<string, number>;
}

const resolutionOf = (e: { data: object }): HoldResolution | null =>
  'holdResolution' in e.data ? (e.data.holdResolution as HoldResolution | null) : null;

const walkOnce = <
  C extends { type: string; occurredAt: string },
  E extends { type: string; data: object },
  S extends { status: string; hold: unknown },
>(
  spec: WalkSpec<C, E, S>,
  seed: number,
  tally: Tally,
): string | null => {
  const rng = mulberry32(seed);
  let state = spec.decider.initialState();
  const history: E[] = [];
  let seconds = 0;
  const steps = 1 + Math.floor(rng() * MAX_STEPS);
  const apply = (command: C): string | null => {
    const decision = spec.decider.decide(command, state);
    if (!decision.ok) return null;
    const before = state;
    state = decision.events.reduce(spec.decider.evolve, state);
    history.push(...decision.events);
    if (decision.events.some((e) => e.type === spec.submitted)) {
      if (!('hasConsent' in command) || command.hasConsent !== true) return `${spec.submitted} without consent`;
      if (!spec.inputsComplete(state) || before.status === spec.processing)
        return `${spec.submitted} without its inputs`;
    }
    if (state.status === spec.processing && (state.hold === null || !spec.inputsComplete(state)))
      return 'processing without inputs or hold';
    if (history.filter((e) => resolutionOf(e) !== null).length > 1) return 'hold resolved twice';
    const again = spec.decider.decide(command, state);
    if (!again.ok || again.events.length > 0) return `${command.type} repeated was not a no-op`;
    return null;
  };
  for (let i = 0; i < steps; i++) {
    seconds = nextTime(rng, seconds);
    const problem = apply(spec.command(rng, new Date(T0_MS + seconds * 1000).toISOString()));
    if (problem) return problem;
  }
  const problem = apply(spec.expire(new Date(T0_MS + (seconds + 86_400) * 1000).toISOString()));
  if (problem) return problem;
  if (state.status === 'not_started') return null;
  if (!['completed', 'failed', 'expired', 'cancelled'].includes(state.status)) return `ended in ${state.status}`;
  if (state.hold === null) return history.some((e) => resolutionOf(e) !== null) ? 'resolution without a hold' : null;
  tally.reachedProcessing++;
  const outcomes = history.filter(
    (e) => e.type === spec.succeeded || e.type === spec.failed || resolutionOf(e) !== null,
  );
  const resolutions = history.map(resolutionOf).filter((r) => r !== null);
  if (outcomes.length !== 1 || resolutions.length !== 1)
    return `${outcomes.length} outcomes, ${resolutions.length} resolutions`;
  const [outcome] = outcomes as [E];
  const submittedAt = history.find((e) => e.type === spec.submitted)!.data as { occurredAt: string };
  const captured = outcome.type === spec.succeeded ? (outcome.data as { occurredAt: string }) : null;
  if (
    captured &&
    Date.parse(captured.occurredAt) - Date.parse(submittedAt.occurredAt) >= SESSION_IDLE_TIMEOUT_SECONDS * 1000
  ) {
    return 'a result was accepted after the processing window (the hold may have expired)';
  }
  const [resolution] = resolutions as [HoldResolution];
  const key = `${outcome.type}:${resolution.action}${resolution.action === 'capture' ? '' : `:${resolution.reason}`}`;
  tally.outcomes[key] = (tally.outcomes[key] ?? 0) + 1;
  const fits: Record<string, string[]> = {
    [spec.succeeded]: ['capture'],
    [spec.failed]: ['release:ai_failed', 'none:reservation_rejected'],
    SessionExpired: ['release:expired'],
    SessionCancelled: ['release:cancelled'],
  };
  return fits[outcome.type]?.includes(key.slice(outcome.type.length + 1)) ? null : `outcome ${key} does not fit`;
};

const runWalks = <
  C extends { type: string; occurredAt: string },
  E extends { type: string; data: object },
  S extends { status: string; hold: unknown },
>(
  t: Test,
  spec: WalkSpec<C, E, S>,
) => {
  const tally: Tally = { reachedProcessing: 0, outcomes: {} };
  for (let i = 0; i < WALKS; i++) {
    const seed = (baseSeed + i) | 0;
    const problem = walkOnce(spec, seed, tally);
    if (problem) return t.fail(`${problem} (replay with SESSION_WALK_SEED=${seed} and SESSION_WALKS=1)`);
  }
  t.pass(`${WALKS} walks`);
  t.comment(JSON.stringify(tally));
  t.ok(tally.reachedProcessing > WALKS / 8, 'a fair share of walks reached processing');
  t.ok(Object.keys(tally.outcomes).length >= 5, 'walks ended in several different outcomes');
};

// ---- try-on ---------------------------------------------------------------------------------
const tryOnCommand = (rng: Rng, occurredAt: string): TryOnCommand => {
  const kind = chance(rng, 0.05)
    ? 'end'
    : pick(rng, ['clothing', 'clothing', 'person', 'person', 'worker', 'worker', 'worker', 'result'] as const);
  switch (kind) {
    case 'clothing': {
      const key = chance(rng, 0.1) ? imageKey('person', 'x') : imageKey('clothing', pick(rng, ['a', 'b']));
      return chance(rng, 0.1)
        ? { type: 'StartTryOn', sessionId: SESSION_ID, userId: USER_ID, occurredAt }
        : { type: 'ProvideClothingImage', imageKey: key, mimeType: 'image/jpeg', bytes: 1000, occurredAt };
    }
    case 'person': {
      const key = imageKey('person', pick(rng, ['a', 'b']), chance(rng, 0.1) ? { sessionId: OTHER_SESSION_ID } : {});
      return {
        type: 'ProvidePersonImage',
        imageKey: key,
        mimeType: 'image/jpeg',
        bytes: 1000,
        occurredAt,
        credits: pick(rng, [3, 3, 3, 0]),
        hasConsent: chance(rng, 0.7),
      };
    }
    case 'worker':
      return pick(rng, [
        { type: 'RecordProcessingStarted', attempt: pick(rng, [0, 1, 2, 6]), occurredAt },
        { type: 'RecordReservationRejected', reason: pick(rng, ['insufficient_credits', 'Bad!']), occurredAt },
        {
          type: 'RecordTryOnFailed',
          reason: pick(rng, ['timeout', 'Bad!']),
          attempts: pick(rng, [1, 3, 9]),
          occurredAt,
        },
        {
          type: 'RecordTryOnResult',
          resultImageKey: imageKey(pick(rng, ['tryon_result', 'clothing'] as const), 'r'),
          qualityScore: 0.8,
          ...receipt,
          occurredAt,
        },
      ] as const);
    case 'result':
      return pick(rng, [
        { type: 'RateResult', rating: pick(rng, [1, 5, 7]), occurredAt },
        { type: 'TryAgain', occurredAt },
        { type: 'BackToMenu', occurredAt },
      ] as const);
    case 'end':
      return { type: pick(rng, ['CancelSession', 'ExpireSession'] as const), occurredAt };
    default: {
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
};

t.test('try-on random walks', async (t) => {
  runWalks<TryOnCommand, Parameters<typeof tryOnDecider.evolve>[1], TryOnSession>(t, {
    decider: {
      ...tryOnDecider,
      // Every walk starts with a session; the walk then throws anything at it.
      initialState: () =>
        tryOnDecider.evolve(tryOnDecider.initialState(), {
          type: 'TryOnStarted',
          data: { sessionId: SESSION_ID, userId: USER_ID, occurredAt: new Date(T0_MS).toISOString() },
        }),
    },
    command: tryOnCommand,
    expire: (occurredAt) => ({ type: 'ExpireSession', occurredAt }),
    submitted: 'TryOnSubmitted',
    succeeded: 'TryOnSucceeded',
    failed: 'TryOnFailed',
    processing: 'tryon_processing',
    inputsComplete: (s) => s.clothing !== null && s.person !== null,
  });
});

// ---- stylist --------------------------------------------------------------------------------
const recommendation = { title: 'Trousers', category: 'bottom' as const, reason: 'Fits.', score: 0.9 };
const product = {
  productId: 'wb:1',
  partnerName: 'wildberries',
  productUrl: 'https://www.wildberries.ru/catalog/1/detail.aspx',
  title: 'Trousers',
  priceMinor: 100_000,
  currency: 'RUB' as const,
  recommendationIndex: 0,
  score: 0.9,
};

const stylistCommand = (rng: Rng, occurredAt: string): StylistCommand => {
  const kind = chance(rng, 0.05)
    ? 'end'
    : pick(rng, ['photo', 'photo', 'preferences', 'preferences', 'worker', 'worker', 'worker', 'shopping'] as const);
  switch (kind) {
    case 'photo':
      return {
        type: 'ProvideStylePhoto',
        imageKey: imageKey(pick(rng, ['style_input', 'clothing'] as const), pick(rng, ['a', 'b'])),
        mimeType: 'image/jpeg',
        bytes: 1000,
        occurredAt,
      };
    case 'preferences':
      return {
        type: 'SubmitPreferences',
        credits: 5,
        hasConsent: chance(rng, 0.7),
        occurredAt,
        preferences: {
          style: (chance(rng, 0.15) ? 'goth' : 'casual') as 'casual',
          occasion: 'work',
          budget: { currency: 'RUB', minMinor: 0, maxMinor: 500_000 },
        },
      };
    case 'worker':
      return pick(rng, [
        { type: 'RecordProcessingStarted', attempt: pick(rng, [1, 2]), occurredAt },
        { type: 'RecordReservationRejected', reason: 'insufficient_credits', occurredAt },
        { type: 'RecordStylingFailed', reason: 'timeout', attempts: 2, occurredAt },
        {
          type: 'RecordStylingResult',
          profile: { summary: 'Calm.', bodyType: '', colorPalette: [], styleKeywords: [] },
          recommendations: pick(rng, [[recommendation], []]),
          ...receipt,
          occurredAt,
        },
      ] as const);
    case 'shopping':
      return pick(rng, [
        { type: 'OpenShopping', products: [product], occurredAt },
        { type: 'RecordProductClicked', productId: pick(rng, ['wb:1', 'wb:2']), occurredAt },
        { type: 'FinishStyling', occurredAt },
      ] as const);
    case 'end':
      return { type: pick(rng, ['CancelSession', 'ExpireSession'] as const), occurredAt };
    default: {
      const _exhaustive: never = kind;
      return _exhaustive;
    }
  }
};

t.test('stylist random walks', async (t) => {
  runWalks<StylistCommand, Parameters<typeof stylistDecider.evolve>[1], StylistSession>(t, {
    decider: {
      ...stylistDecider,
      initialState: () =>
        stylistDecider.evolve(stylistDecider.initialState(), {
          type: 'StylingStarted',
          data: { sessionId: SESSION_ID, userId: USER_ID, occurredAt: new Date(T0_MS).toISOString() },
        }),
    },
    command: stylistCommand,
    expire: (occurredAt) => ({ type: 'ExpireSession', occurredAt }),
    submitted: 'StylingSubmitted',
    succeeded: 'StylingSucceeded',
    failed: 'StylingFailed',
    processing: 'stylist_processing',
    inputsComplete: (s) => s.photo !== null && s.preferences !== null,
  });
});
