import type { Message } from 'grammy/types';
import type { ImageInput, ImageKind, ImageRejection } from '../../../core/sessions/index.js';
import type { BotContext } from '../context.js';
import { cancelFlow } from '../keyboards.js';
import { incomingImage, incomingImageOf, sendPrompt } from './common.js';

/** What the user is told when an upload is refused; every code has a message in both languages. */
const REJECTION_KEYS: Record<ImageRejection | 'unavailable', string> = {
  image_too_large: 'image-too-large',
  unsupported_image_type: 'image-unsupported',
  image_dimensions_out_of_range: 'image-dimensions',
  image_corrupt: 'image-corrupt',
  unavailable: 'image-download-failed',
};

/** What an album of the wrong size is told, by the photo the step asks for (one answer per album). */
const ALBUM_SIZE_KEYS: Partial<Record<ImageKind, string>> = {
  clothing: 'album-tryon-size',
  person: 'album-person-size',
  style_input: 'album-stylist-size',
};

/** Downloads `message`'s image within the size limit, validates it by its bytes and stores it. */
const storeImageOf = async (
  ctx: BotContext,
  message: Message,
  kind: ImageKind,
  sessionId: string,
): Promise<ImageInput | undefined> => {
  const incoming = incomingImageOf(message);
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

/**
 * Takes the photo (or image document) of the current message for `kind`. Anything else, a
 * refused image, or an album of more than one photo (a step takes one) gets a hint and
 * undefined; nothing is spent.
 */
export const receiveImage = async (
  ctx: BotContext,
  kind: ImageKind,
  sessionId: string,
): Promise<ImageInput | undefined> => {
  if (ctx.album && ctx.album.length > 1) {
    const text = ctx.t(ALBUM_SIZE_KEYS[kind] ?? 'album-stylist-size', { count: ctx.album.length });
    await ctx.reply(text, { reply_markup: cancelFlow(ctx.t) });
    return undefined;
  }
  if (incomingImage(ctx) === undefined) return undefined;
  return storeImageOf(ctx, ctx.message!, kind, sessionId);
};

/**
 * Takes a whole album, one photo per kind in album order; undefined (the user told why) if a
 * photo is refused. The caller has checked the album's size.
 */
export const receiveAlbum = async (
  ctx: BotContext,
  parts: readonly Message[],
  kinds: readonly ImageKind[],
  sessionId: string,
): Promise<ImageInput[] | undefined> => {
  const images: ImageInput[] = [];
  for (const [index, kind] of kinds.entries()) {
    const image = await storeImageOf(ctx, parts[index]!, kind, sessionId);
    if (!image) return undefined;
    images.push(image);
  }
  return images;
};
