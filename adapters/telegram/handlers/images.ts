import type { ImageInput, ImageKind, ImageRejection } from '../../../core/sessions/index.js';
import type { BotContext } from '../context.js';
import { cancelFlow } from '../keyboards.js';
import { incomingImage, sendPrompt } from './common.js';

/** What the user is told when an upload is refused; every code has a message in both languages. */
const REJECTION_KEYS: Record<ImageRejection | 'unavailable', string> = {
  image_too_large: 'image-too-large',
  unsupported_image_type: 'image-unsupported',
  image_dimensions_out_of_range: 'image-dimensions',
  image_corrupt: 'image-corrupt',
  unavailable: 'image-download-failed',
};

/**
 * Takes the photo (or image document) of the current message for `kind`: downloads it within
 * the size limit, validates it by its bytes and stores it. Anything else, or a refused image,
 * gets a hint and undefined; nothing is spent.
 */
export const receiveImage = async (ctx: BotContext, kind: ImageKind, sessionId: string): Promise<ImageInput | undefined> => {
  const incoming = incomingImage(ctx);
  if (incoming === undefined) return undefined;
  if (incoming === 'not_an_image') {
    const hint = ctx.t('send-photo-hint');
    await sendPrompt(ctx, `send-photo-hint:${sessionId}`, hint, { reply_markup: cancelFlow(ctx.t) });
    return undefined;
  }
  const download = await ctx.files.download(incoming.fileId, incoming.declaredBytes);
  if (!download.ok) {
    await ctx.reply(ctx.t(REJECTION_KEYS[download.reason === 'too_large' ? 'image_too_large' : 'unavailable']));
    return undefined;
  }
  const stored = await ctx.deps.images.store(kind, sessionId, download.bytes);
  if (!stored.ok) {
    await ctx.reply(ctx.t(REJECTION_KEYS[stored.rejection]));
    return undefined;
  }
  return stored.image;
};
