/**
 * Reads the pixel size from the header of a PNG, JPEG or WebP file without decoding it, and
 * checks the container structure enough to refuse a truncated or mangled upload. Every read is
 * bounds-checked; a file that does not hold together is `corrupt` with the reason.
 */

export type HeaderResult = { widthPx: number; heightPx: number } | { corrupt: string };

const u16be = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32be = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
const u16le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32le = (b: Uint8Array, at: number): number => u24le(b, at) + b[at + 3]! * 0x1000000;
const ascii = (b: Uint8Array, at: number, length: number): string =>
  String.fromCharCode(...b.subarray(at, at + length));

let crcTable: Uint32Array | undefined;
/** CRC-32 as PNG uses it (ISO 3309, polynomial 0xEDB88320). */
export const crc32 = (bytes: Uint8Array): number => {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
};

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** PNG: IHDR first (with a good CRC), then chunks that fit, at least one IDAT, and IEND. */
export const readPngHeader = (b: Uint8Array): HeaderResult => {
  let offset = PNG_SIGNATURE.length;
  let size: { widthPx: number; heightPx: number } | undefined;
  let sawData = false;
  while (true) {
    if (offset + 12 > b.length) return { corrupt: 'truncated: no IEND chunk' };
    const length = u32be(b, offset);
    const type = ascii(b, offset + 4, 4);
    if (length > 0x7fffffff || offset + 12 + length > b.length) return { corrupt: `truncated ${type} chunk` };
    if (size === undefined) {
      if (type !== 'IHDR' || length !== 13) return { corrupt: 'first chunk is not IHDR' };
      const crc = u32be(b, offset + 8 + length);
      if (crc32(b.subarray(offset + 4, offset + 8 + length)) !== crc) return { corrupt: 'IHDR checksum mismatch' };
      size = { widthPx: u32be(b, offset + 8), heightPx: u32be(b, offset + 12) };
    }
    if (type === 'IDAT') sawData = true;
    if (type === 'IEND') return sawData ? size : { corrupt: 'no IDAT chunk' };
    offset += 12 + length;
  }
};

// Start-of-frame markers carry the size: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
const isStartOfFrame = (marker: number): boolean =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
const isStandalone = (marker: number): boolean => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

const endsWithEoi = (b: Uint8Array, after: number): boolean => {
  // Cameras append data after EOI (previews, maker notes); the marker need not be last.
  for (let at = b.lastIndexOf(0xd9); at > after; at = b.lastIndexOf(0xd9, at - 1)) {
    if (b[at - 1] === 0xff) return true;
  }
  return false;
};

/** JPEG: segments up to the first SOF marker must fit; an EOI marker must follow it. */
export const readJpegHeader = (b: Uint8Array): HeaderResult => {
  let offset = 2;
  while (offset < b.length) {
    if (b[offset] !== 0xff) return { corrupt: `expected a marker at byte ${offset}` };
    while (b[offset] === 0xff) offset++;
    if (offset >= b.length) break;
    const marker = b[offset]!;
    offset++;
    if (isStandalone(marker)) continue;
    if (marker === 0xd9) return { corrupt: 'end of image before a frame header' };
    if (marker === 0xda) return { corrupt: 'scan before a frame header' };
    if (offset + 2 > b.length) break;
    const length = u16be(b, offset);
    if (length < 2 || offset + length > b.length) return { corrupt: `truncated segment 0x${marker.toString(16)}` };
    if (isStartOfFrame(marker)) {
      if (length < 7) return { corrupt: 'short frame header' };
      if (!endsWithEoi(b, offset + length)) return { corrupt: 'truncated: no end-of-image marker' };
      return { heightPx: u16be(b, offset + 3), widthPx: u16be(b, offset + 5) };
    }
    offset += length;
  }
  return { corrupt: 'truncated: no frame header' };
};

/** WebP: a RIFF container that fits the buffer, whose first chunk is VP8, VP8L or VP8X. */
export const readWebpHeader = (b: Uint8Array): HeaderResult => {
  if (b.length < 20) return { corrupt: 'truncated RIFF header' };
  const riffBytes = u32le(b, 4);
  if (riffBytes + 8 > b.length) return { corrupt: 'truncated: RIFF size exceeds the file' };
  const chunk = ascii(b, 12, 4);
  const chunkBytes = u32le(b, 16);
  const data = 20;
  if (data + chunkBytes > b.length) return { corrupt: `truncated ${chunk.trim()} chunk` };
  switch (chunk) {
    case 'VP8 ':
      if (chunkBytes < 10 || b[data + 3] !== 0x9d || b[data + 4] !== 0x01 || b[data + 5] !== 0x2a) {
        return { corrupt: 'bad VP8 frame header' };
      }
      return { widthPx: u16le(b, data + 6) & 0x3fff, heightPx: u16le(b, data + 8) & 0x3fff };
    case 'VP8L': {
      if (chunkBytes < 5 || b[data] !== 0x2f) return { corrupt: 'bad VP8L signature' };
      const bits = u32le(b, data + 1);
      return { widthPx: (bits & 0x3fff) + 1, heightPx: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X':
      if (chunkBytes < 10) return { corrupt: 'short VP8X chunk' };
      return { widthPx: u24le(b, data + 4) + 1, heightPx: u24le(b, data + 7) + 1 };
    default:
      return { corrupt: `unknown first WebP chunk ${JSON.stringify(chunk)}` };
  }
};
