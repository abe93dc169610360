import type { MiddlewareFn } from 'grammy';
import type { BotContext } from '../context.js';

/**
 * One answer per intent, not a flood. A tap or command identical to the chat's previous one and
 * quick after it is the same intent: its spinner is ended and nothing else happens. Every
 * message the bot sends in answer to an update that is not a prompt (`sendPrompt`) ends a run
 * of prompts, so only a prompt repeated in a row is held back. State: `ChatDebounce`.
 */

/** Bot API methods that put a message into the chat. */
const SENDING_METHODS: ReadonlySet<string> = new Set([
  'sendMessage',
  'sendPhoto',
  'sendDocument',
  'sendMediaGroup',
  'sendInvoice',
  'copyMessage',
  'forwardMessage',
]);

/** The intent a tap or a command stands for; plain messages (photos, text) are judged by their prompts. */
const actionOf = (ctx: BotContext): string | undefined => {
  const data = ctx.callbackQuery?.data;
  if (data !== undefined) return `tap:${data}`;
  const text = ctx.message?.text;
  return text?.startsWith('/') ? `command:${text}` : undefined;
};

export const oneAnswerPerIntent: MiddlewareFn<BotContext> = async (ctx, next) => {
  const { debounce } = ctx.deps;
  // Whether the chat's row may still name a prompt: cleared once, then only after a new prompt.
  let promptMayBeSet = true;
  ctx.api.config.use(async (previous, method, payload, signal) => {
    if (SENDING_METHODS.has(method)) {
      if (ctx.sendingPrompt) promptMayBeSet = true;
      else if (promptMayBeSet) {
        promptMayBeSet = false;
        await debounce.clearPrompt(ctx.userId);
      }
    }
    return previous(method, payload, signal);
  });
  const action = actionOf(ctx);
  if (action !== undefined && !(await debounce.claimAction(ctx.userId, action, ctx.update.update_id))) {
    if (ctx.callbackQuery) {
      await ctx
        .answerCallbackQuery()
        .catch((error: unknown) => ctx.deps.logger.debug({ err: error }, 'answerCallbackQuery failed'));
    }
    return;
  }
  await next();
};
