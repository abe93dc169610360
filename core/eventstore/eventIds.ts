import { createHash } from 'node:crypto';

/**
 * A name-based UUID (version 5 layout, SHA-1) from the given parts. Command handling derives
 * event ids from the stream, the expected revision and the event's content, so a retried append
 * of the same decision carries the same ids and the store recognises it, while a different
 * decision for the same slot gets different ids.
 */
export const deterministicUuid = (...parts: readonly string[]): string => {
  const hash = createHash('sha1').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};
