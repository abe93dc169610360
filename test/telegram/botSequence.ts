import fc from 'fast-check';
import type { Update } from 'grammy/types';
import { tinyJpeg } from '../fixtures/images.js';
import type { ApiCall } from '../fakes/telegramServer.js';
import type { BotHarness, ScriptedAi, TestUser } from '../support/telegramBot.js';
import { settle } from './botSettle.js';

/**
 * Random sequences of what a few Telegram users do to the bot, and a driver that plays them on
 * the bot harness. Buttons are never spelled here: a press takes a button from a message the
 * fake Bot API really delivered (the user's newest, an older one of theirs, or another user's),
 * or one found by its emoji (the same in every language), so the sequences keep meaning
 * something when the callback formats change.
 */

/** Users in one sequence: enough for foreign buttons to meet sessions in flight. */
export const USERS_PER_SEQUENCE = 2;
/** Clock jumps, in minutes: a pause, past the 30-minute idle timeout, past a day (kept results expire). */
const ADVANCE_MINUTES = [2, 31, 24 * 60 + 1] as const;
/** Updates a `goTo` sends at most: /start or /menu, a language, the flow's button, consent. */
const GO_TO_MAX_HOPS = 4;
/** Photos in an album: a try-on takes 2; 3 is one too many. */
const ALBUM_SIZES = [2, 3] as const;

/** Buttons found by what they show: an emoji every language keeps. */
export const LABELS = {
  tryon: /👗/u,
  stylist: /✨/u,
  consent: /✅/u,
  menu: /⬅️/u,
  cancel: /✖️/u,
  settings: /⚙️/u,
  languageSetting: /🌐/u,
  language: /^(English|Русский)$/u,
} as const;
export type Label = keyof typeof LABELS;

export type Step =
  | { kind: 'command'; user: number; name: 'start' | 'menu' }
  | { kind: 'tap'; user: number; label: Label }
  /** A user heading for a flow: language, menu and consent on the way, one update per hop. */
  | { kind: 'goTo'; user: number; flow: 'tryon' | 'stylist' }
  | {
      kind: 'press';
      user: number;
      source: 'newest' | 'stale' | 'foreign' | 'foreignNewest';
      message: number;
      button: number;
    }
  /** A whole try-on in a row: to the flow (as `goTo`), then the clothing and the person photo. */
  | { kind: 'tryOnThrough'; user: number }
  /** One photo, or two one after the other (clothing then person, as separate messages). */
  | { kind: 'photo'; user: number; count: 1 | 2 }
  | { kind: 'album'; user: number; size: (typeof ALBUM_SIZES)[number]; reversed: boolean }
  | { kind: 'text'; user: number }
  /** The user blocks the bot while their try-on is with the AI (which answers after). */
  | { kind: 'blockMidTryOn'; user: number; announced: boolean }
  /**
   * Blocks the bot; `announced`: Telegram's my_chat_member update arrives (else not yet: the bot learns from a 403).
   */
  | { kind: 'block'; user: number; announced: boolean }
  | { kind: 'unblock'; user: number; thenStart: boolean }
  | { kind: 'ai'; outcome: 'succeed' | 'fail' }
  | { kind: 'aiPause' }
  | { kind: 'aiResume' }
  | { kind: 'advance'; minutes: number };

const user = fc.integer({ min: 0, max: USERS_PER_SEQUENCE - 1 });
const label = fc.constantFrom(...(Object.keys(LABELS) as Label[]));

/** Weighted so that flows get far enough to charge: photos and flow starts come often. */
export const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('command' as const),
      user,
      name: fc.constantFrom('start' as const, 'menu' as const),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('tap' as const), user, label }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('goTo' as const),
      user,
      flow: fc.constantFrom('tryon' as const, 'stylist' as const),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('press' as const),
      user,
      source: fc.constantFrom(
        'newest' as const,
        'newest' as const,
        'stale' as const,
        'foreign' as const,
        'foreignNewest' as const,
      ),
      message: fc.nat(),
      button: fc.nat(),
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('photo' as const), user, count: fc.constantFrom(1 as const, 2 as const) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('album' as const),
      user,
      size: fc.constantFrom(...ALBUM_SIZES),
      reversed: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), user }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tryOnThrough' as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('block' as const), user, announced: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('blockMidTryOn' as const), user, announced: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unblock' as const), user, thenStart: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('ai' as const),
      outcome: fc.constantFrom('succeed' as const, 'fail' as const),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'aiPause' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'aiResume' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.constantFrom(...ADVANCE_MINUTES) }),
  },
);

interface Button {
  text: string;
  data: string;
}

/** A delivered message with its inline buttons (callback buttons only; links are not pressed). */
export interface Delivered {
  chatId: string;
  messageId: number;
  buttons: Button[];
}

const parsed = (value: unknown): unknown => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value);

export const buttonsIn = (call: ApiCall): Button[] => {
  const markup = parsed(call.payload.reply_markup) as
    { inline_keyboard?: Array<Array<{ text: string; callback_data?: string }>> } | undefined;
  return (markup?.inline_keyboard ?? [])
    .flat()
    .flatMap((b) => (b.callback_data ? [{ text: b.text, data: b.callback_data }] : []));
};

/** Messages with buttons that reached `chatId` (or anyone's, without it), oldest first. */
export const deliveredWithButtons = (h: BotHarness, chatId?: string): Delivered[] =>
  h.fake.accepted.flatMap((call) => {
    const buttons = buttonsIn(call);
    const chat = String(call.payload.chat_id);
    if (buttons.length === 0 || (chatId !== undefined && chat !== chatId)) return [];
    return [{ chatId: chat, messageId: call.messageId ?? 0, buttons }];
  });

/** One sequence's users, their state as the users know it, and the AI's switches. */
export class SequenceDriver {
  readonly users: TestUser[];
  readonly blocked = new Set<number>();
  aiPaused = false;
  /** The global position range of the events each user update caused: [after, upTo]. */
  readonly updateWindows: Array<{ userId: string; after: number; upTo: number }> = [];
  /** What each step did, in words (printed when a sequence fails). */
  readonly journal: string[] = [];
  private photos = 0;

  constructor(
    private readonly h: BotHarness,
    private readonly ai: ScriptedAi,
    firstUserId: number,
  ) {
    this.users = Array.from({ length: USERS_PER_SEQUENCE }, (_, i) => h.user(firstUserId + i));
  }

  async run(step: Step): Promise<void> {
    const started = Date.now();
    const mark = this.h.fake.received.length;
    await this.apply(step);
    const applied = Date.now();
    await settle(this.h, { aiPaused: this.aiPaused, quiet: step.kind === 'album' || step.kind === 'photo' });
    if (process.env.BOT_PROPERTY_DEBUG === '1') {
      const said = this.h.fake.received.slice(mark).map((c) => {
        const text = String(c.payload.text ?? c.payload.caption ?? '').slice(0, 60);
        return `${c.method} ${String(c.payload.chat_id)} ${text}`;
      });
      this.journal.push(
        `  (${step.kind}: ${applied - started} ms, settled in ${Date.now() - applied} ms) ${said.join(' | ')}`,
      );
    }
  }

  /** The end of a sequence: the AI answers, every user comes back (unblock, /start), the system settles. */
  async finish(): Promise<void> {
    if (this.aiPaused) this.resumeAi();
    for (const index of [...this.blocked]) await this.apply({ kind: 'unblock', user: index, thenStart: true });
    await settle(this.h, { aiPaused: false, quiet: true });
  }

  private async apply(step: Step): Promise<void> {
    // a blocked chat sends nothing
    if ('user' in step && this.blocked.has(step.user) && step.kind !== 'unblock') return;
    switch (step.kind) {
      case 'command':
        return this.send(step.user, [this.users[step.user]!.command(step.name)]);
      case 'tap':
        return this.tap(step.user, step.label);
      case 'goTo':
        return this.goTo(step.user, step.flow);
      case 'press':
        return this.press(step);
      case 'photo':
        for (let i = 0; i < step.count; i++)
          await this.send(step.user, [this.users[step.user]!.photo(this.newPhoto())]);
        return;
      case 'album': {
        const album = this.users[step.user]!.album(
          Array.from({ length: step.size }, () => this.newPhoto()),
          `album-${this.photos}`,
        );
        return this.send(step.user, step.reversed ? album.reverse() : album);
      }
      case 'text':
        return this.send(step.user, [this.users[step.user]!.text('hello?')]);
      case 'tryOnThrough':
        await this.goTo(step.user, 'tryon');
        return this.apply({ kind: 'photo', user: step.user, count: 2 });
      case 'blockMidTryOn':
        if (!this.aiPaused) await this.apply({ kind: 'aiPause' });
        await this.apply({ kind: 'tryOnThrough', user: step.user });
        await this.apply({ kind: 'block', user: step.user, announced: step.announced });
        return this.apply({ kind: 'aiResume' });
      case 'block':
        this.blocked.add(step.user);
        this.h.fake.block(this.users[step.user]!.id);
        if (!step.announced)
          return void this.journal.push(`user ${this.users[step.user]!.id} blocks the bot (not announced yet)`);
        return this.send(step.user, [this.users[step.user]!.blocks()]);
      case 'unblock': {
        if (!this.blocked.delete(step.user)) return;
        this.h.fake.unblock(this.users[step.user]!.id);
        const u = this.users[step.user]!;
        return this.send(step.user, step.thenStart ? [u.unblocks(), u.command('start')] : [u.unblocks()]);
      }
      case 'ai':
        this.ai.failWith = step.outcome === 'fail' ? 'image_refused' : undefined;
        return;
      case 'aiPause':
        if (!this.aiPaused) this.ai.pause();
        this.aiPaused = true;
        return;
      case 'aiResume':
        if (this.aiPaused) this.resumeAi();
        return;
      case 'advance':
        // Real time never jumps past a running job's lease while it runs: only jump with the AI answering.
        if (this.aiPaused) return;
        this.h.clock.advance(step.minutes * 60_000);
        // The sweeper's pass that time would have brought (idle sessions, expired holds).
        return this.h.sweep();
      default: {
        const exhaustive: never = step;
        throw new Error(`unknown step ${JSON.stringify(exhaustive)}`);
      }
    }
  }

  private resumeAi(): void {
    this.ai.resume();
    this.aiPaused = false;
  }

  private newPhoto(): string {
    const fileId = `photo-${process.pid}-${++this.photos}`;
    this.h.fake.addFile(fileId, tinyJpeg(512, 512));
    return fileId;
  }

  /** Presses the newest button showing `wanted`; a user who sees none asks for the menu (or starts). */
  private async tap(index: number, wanted: Label): Promise<void> {
    const u = this.users[index]!;
    const own = deliveredWithButtons(this.h, String(u.id)).reverse();
    for (const message of own) {
      const button = message.buttons.find((b) => LABELS[wanted].test(b.text));
      if (button) return this.send(index, [u.press(button.data, message.messageId)], `taps ${wanted} (${button.data})`);
    }
    return this.send(
      index,
      [u.command(own.length === 0 ? 'start' : 'menu')],
      `looks for ${wanted}, finds none, asks for the menu`,
    );
  }

  /** Hops towards `flow` as a person would: the flow's button if shown, else language, consent or the menu. */
  private async goTo(index: number, flow: 'tryon' | 'stylist'): Promise<void> {
    const userId = String(this.users[index]!.id);
    let tapped = false;
    for (let hop = 0; hop < GO_TO_MAX_HOPS; hop++) {
      const newest = deliveredWithButtons(this.h, userId).at(-1);
      const shows = (label: Label) => newest?.buttons.some((b) => LABELS[label].test(b.text)) ?? false;
      if (shows('consent')) return this.tap(index, 'consent');
      if (tapped) return;
      if (shows(flow)) {
        await this.tap(index, flow);
        tapped = true;
      } else if (shows('language')) await this.tap(index, 'language');
      else await this.send(index, [this.users[index]!.command(newest ? 'menu' : 'start')], `heads for ${flow}`);
    }
  }

  private async press(step: Extract<Step, { kind: 'press' }>): Promise<void> {
    const userId = String(this.users[step.user]!.id);
    const ownIds = new Set(this.users.map((u) => String(u.id)));
    const foreign = step.source === 'foreign' || step.source === 'foreignNewest';
    const candidates = foreign
      ? deliveredWithButtons(this.h).filter((m) => m.chatId !== userId && ownIds.has(m.chatId))
      : deliveredWithButtons(this.h, userId);
    const pool =
      step.source === 'newest' || step.source === 'foreignNewest'
        ? candidates.slice(-1)
        : step.source === 'stale'
          ? candidates.slice(0, -1)
          : candidates;
    const message = pool[step.message % Math.max(pool.length, 1)];
    if (!message) return;
    const button = message.buttons[step.button % message.buttons.length]!;
    // A forged or foreign button still arrives on a message of the presser's own chat.
    const own = deliveredWithButtons(this.h, userId).at(-1);
    const on = foreign ? own?.messageId : message.messageId;
    await this.send(
      step.user,
      [this.users[step.user]!.press(button.data, on)],
      `presses ${step.source} ${button.data} of message ${message.messageId}`,
    );
  }

  /** Hands updates to the bot as Telegram does (an album's photos together), and notes the events they caused. */
  private async send(index: number, updates: Update[], what?: string): Promise<void> {
    this.journal.push(`user ${this.users[index]!.id} ${what ?? describe(updates)}`);
    const after = await headPosition(this.h);
    for (const update of updates) await this.h.runtime.processor.accept(update);
    await this.h.runtime.processor.idle();
    this.updateWindows.push({ userId: String(this.users[index]!.id), after, upTo: await headPosition(this.h) });
  }
}

const describe = (updates: Update[]): string =>
  updates
    .map((u) => {
      if (u.my_chat_member)
        return `${u.my_chat_member.new_chat_member.status === 'kicked' ? 'blocks' : 'unblocks'} the bot`;
      const m = u.message;
      if (m?.text) return `sends ${m.text}`;
      if (m?.photo) {
        const album = m.media_group_id ? ` (album ${m.media_group_id}, message ${m.message_id})` : '';
        return `sends photo ${m.photo.at(-1)!.file_id}${album}`;
      }
      return 'sends an update';
    })
    .join(', ');

export const headPosition = async (h: BotHarness): Promise<number> =>
  Number((await h.pool.query<{ p: string | null }>('SELECT max(position) AS p FROM events')).rows[0]!.p ?? 0);
