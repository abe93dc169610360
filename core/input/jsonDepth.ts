/**
 * How deeply a JSON text nests, measured without parsing it. JSON.parse itself copes with deep
 * input, but every recursive walk after it (JSON.stringify when the body is recorded, schema
 * validation, a serializer) overflows the stack: a Telegram update nested 200 000 levels deep
 * answered 500. Measuring the text first, in one loop with no recursion, refuses it before any walk.
 */

/** Deeper than any body a client or provider sends us (Telegram updates nest about 10 levels). */
export const JSON_MAX_DEPTH = 64;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/** True when `text` opens more than `maxDepth` objects or arrays inside each other (strings are skipped). */
export const jsonDepthExceeds = (text: string, maxDepth: number = JSON_MAX_DEPTH): boolean => {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
};
