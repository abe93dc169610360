import type { Message } from 'grammy/types';
import type { BotContext } from '../context.js';
import { mainMenu } from '../keyboards.js';
import type { Actor, Balance, Outcome, Written } from '../ports.js';

type ReplyOptions = Parameters<BotContext['reply']>[1];

/** How long the profile waits for the read tables to include the user's own last write. */
export const READ_YOUR_WRITES_TIMEOUT_MS = 2_000;

/** The actor of the current update's session commands: the person who sent it. */
export const actorOf = (ctx: BotContext): Actor => `user:${ctx.userId}`;

/** Sends the main menu, under `textKey`. */
export const showMainMenu = async (ctx: BotContext, textKey = 'menu-title'): Promise<void> => {
  await ctx.reply(ctx.t(textKey), { reply_markup: mainMenu(ctx.t) });
};

/**
 * Sends a prompt the user may trigger again and again (a hint, "still working", "rate the
 * result"): not when the same `kind` was the last message to the chat, moments ago (one answer per intent).
 * `kind` names the prompt and what it is about (its session), not its wording.
 */
export const sendPrompt = async (ctx: BotContext, kind: string, text: string, other?: ReplyOptions): Promise<void> => {
  if (!(await ctx.deps.debounce.claimPrompt(ctx.userId, kind, ctx.update.update_id))) return;
  ctx.sendingPrompt = true;
  try {
    await ctx.reply(text, other);
  } finally {
    ctx.sendingPrompt = false;
  }
};

/** Ends the spinner on a pressed button; a stale query (older than Telegram keeps) is not an error. */
export const acknowledge = async (ctx: BotContext, textKey?: string): Promise<void> => {
  if (!ctx.callbackQuery) return;
  await ctx
    .answerCallbackQuery(textKey ? { text: ctx.t(textKey) } : undefined)
    .catch((error: unknown) => ctx.deps.logger.debug({ err: error }, 'answerCallbackQuery failed'));
};

/** Remembers where the user's own write landed, for read-your-writes in the profile. */
export const remember = async (ctx: BotContext, written: Written): Promise<void> => {
  if (written.position > ctx.chatState.lastPosition) {
    await ctx.deps.chats.notePosition(ctx.userId, written.position);
    ctx.chatState.lastPosition = written.position;
  }
};

/** Logs a rejection the user cannot cause by themselves (a stale button, a race): a bug to look at. */
export const logRejection = (ctx: BotContext, what: string, outcome: Outcome): void => {
  if (!outcome.ok) ctx.deps.logger.warn({ userId: ctx.userId, what, rejection: outcome.rejection }, 'command refused');
};

/** The user's current balance as the read tables have it once they include the user's writes. */
export const currentBalance = async (ctx: BotContext): Promise<Balance & { fresh: boolean }> => {
  const fresh = await ctx.deps.reads.waitForPosition(ctx.chatState.lastPosition, READ_YOUR_WRITES_TIMEOUT_MS);
  return { ...(await ctx.deps.reads.balance(ctx.userId)), fresh };
};

/**
 * Leaves the current flow, if any: a session still waiting for input is cancelled, one being
 * processed keeps going (its result is still delivered).
 */
export const leaveFlow = async (ctx: BotContext): Promise<void> => {
  const { flow, sessionId } = ctx.chatState;
  if (flow === 'menu' || sessionId === null) return;
  const port = flow === 'tryon' ? ctx.deps.tryOn : ctx.deps.stylist;
  const outcome = await port.abandon(sessionId, ctx.occurredAt, actorOf(ctx));
  await remember(ctx, outcome);
  await ctx.deps.chats.leaveFlow(ctx.userId, sessionId);
  ctx.chatState = { ...ctx.chatState, flow: 'menu', sessionId: null, draft: {} };
};

/** The chat no longer points at `sessionId` (it ended, or the user moved on). */
export const exitSession = async (ctx: BotContext, sessionId: string): Promise<void> => {
  await ctx.deps.chats.leaveFlow(ctx.userId, sessionId);
  if (ctx.chatState.sessionId === sessionId)
    ctx.chatState = { ...ctx.chatState, flow: 'menu', sessionId: null, draft: {} };
};

/** Photo for the current flow: the largest size of a photo, or a document that says it is an image. */
export interface IncomingImage {
  fileId: string;
  declaredBytes: number | undefined;
}

export const incomingImage = (ctx: BotContext): IncomingImage | 'not_an_image' | undefined =>
  ctx.message ? incomingImageOf(ctx.message) : undefined;

export const incomingImageOf = (message: Message): IncomingImage | 'not_an_image' => {
  const largest = message.photo?.at(-1);
  if (largest) return { fileId: largest.file_id, declaredBytes: largest.file_size };
  // The bytes decide later (magic numbers); this only spares downloading what says it is not an image.
  if (message.document?.mime_type?.startsWith('image/')) {
    return { fileId: message.document.file_id, declaredBytes: message.document.file_size };
  }
  return 'not_an_image';
};
