import t from 'tap';
import { MAX_IMAGE_BYTES, validateImage } from './index.js';
import { lossyWebpHeader, tinyJpeg, tinyPng, tinyWebp, tinyWebpExtended } from '../../test/fixtures/images.js';

const png = tinyPng(64, 80);
const jpeg = tinyJpeg(640, 480);
const withIhdrCrcBroken = (() => {
  const b = Buffer.from(png);
  b.writeUInt8(b.readUInt8(20) ^ 0xff, 20);
  return b;
})();
const riffWave = Buffer.concat([
  Buffer.from('RIFF'),
  Buffer.from([36, 0, 0, 0]),
  Buffer.from('WAVEfmt '),
  Buffer.alloc(28),
]);
const jpegScanFirst = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]), Buffer.from([0xff, 0xd9])]);
const twelveMegabytes = Buffer.concat([tinyPng(), Buffer.alloc(12 * 1024 * 1024)]);

const rows: Array<{ name: string; bytes: Uint8Array; then: object }> = [
  {
    name: 'a PNG',
    bytes: png,
    then: { ok: true, image: { mimeType: 'image/png', widthPx: 64, heightPx: 80, bytes: png.length } },
  },
  {
    name: 'a baseline JPEG',
    bytes: jpeg,
    then: { ok: true, image: { mimeType: 'image/jpeg', widthPx: 640, heightPx: 480, bytes: jpeg.length } },
  },
  {
    name: 'a JPEG with data after the end marker',
    bytes: Buffer.concat([jpeg, Buffer.from('trailer')]),
    then: { ok: true },
  },
  {
    name: 'a lossless WebP',
    bytes: tinyWebp(100, 64),
    then: { ok: true, image: { mimeType: 'image/webp', widthPx: 100, heightPx: 64 } },
  },
  {
    name: 'an extended WebP',
    bytes: tinyWebpExtended(8192, 2000),
    then: { ok: true, image: { mimeType: 'image/webp', widthPx: 8192, heightPx: 2000 } },
  },
  {
    name: 'a lossy WebP header',
    bytes: lossyWebpHeader(1024, 768),
    then: { ok: true, image: { mimeType: 'image/webp', widthPx: 1024, heightPx: 768 } },
  },
  {
    name: 'exactly 10 MB is allowed',
    bytes: Buffer.concat([tinyPng(), Buffer.alloc(MAX_IMAGE_BYTES - tinyPng().length)]),
    then: { ok: true },
  },
  { name: 'a 12 MB buffer', bytes: twelveMegabytes, then: { ok: false, rejection: 'image_too_large' } },
  {
    name: 'a text file renamed photo.jpg',
    bytes: Buffer.from('hello, this is not a photo\n'),
    then: { ok: false, rejection: 'unsupported_image_type' },
  },
  {
    name: 'a GIF',
    bytes: Buffer.from('GIF89a\x40\x00\x40\x00', 'latin1'),
    then: { ok: false, rejection: 'unsupported_image_type' },
  },
  { name: 'a RIFF file that is not WebP', bytes: riffWave, then: { ok: false, rejection: 'unsupported_image_type' } },
  { name: 'an empty file', bytes: new Uint8Array(0), then: { ok: false, rejection: 'image_corrupt' } },
  {
    name: 'a PNG cut inside its signature',
    bytes: png.subarray(0, 5),
    then: { ok: false, rejection: 'image_corrupt' },
  },
  { name: 'a PNG cut inside IHDR', bytes: png.subarray(0, 20), then: { ok: false, rejection: 'image_corrupt' } },
  {
    name: 'a PNG cut inside IDAT',
    bytes: png.subarray(0, png.length - 20),
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a PNG without IEND',
    bytes: png.subarray(0, png.length - 12),
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a PNG whose IHDR checksum is wrong',
    bytes: withIhdrCrcBroken,
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a 20000-px-wide PNG',
    bytes: tinyPng(20_000, 100),
    then: { ok: false, rejection: 'image_dimensions_out_of_range' },
  },
  {
    name: 'a 63-px-high PNG',
    bytes: tinyPng(640, 63),
    then: { ok: false, rejection: 'image_dimensions_out_of_range' },
  },
  { name: 'a zero-width PNG', bytes: tinyPng(0, 100), then: { ok: false, rejection: 'image_dimensions_out_of_range' } },
  {
    name: 'a 9000-px JPEG',
    bytes: tinyJpeg(9000, 64),
    then: { ok: false, rejection: 'image_dimensions_out_of_range' },
  },
  {
    name: 'a JPEG cut before its frame header',
    bytes: jpeg.subarray(0, 30),
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a JPEG cut inside its scan',
    bytes: jpeg.subarray(0, jpeg.length - 2),
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a JPEG with a scan before any frame',
    bytes: jpegScanFirst,
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a JPEG that is only a signature',
    bytes: Buffer.from([0xff, 0xd8, 0xff]),
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a WebP whose RIFF size exceeds the file',
    bytes: tinyWebp().subarray(0, 25),
    then: { ok: false, rejection: 'image_corrupt' },
  },
  {
    name: 'a WebP of 20000 px',
    bytes: tinyWebpExtended(20_000, 64),
    then: { ok: false, rejection: 'image_dimensions_out_of_range' },
  },
  {
    name: 'a WebP with an unknown first chunk',
    bytes: Buffer.concat([Buffer.from('RIFF'), Buffer.from([12, 0, 0, 0]), Buffer.from('WEBPABCD'), Buffer.alloc(4)]),
    then: { ok: false, rejection: 'image_corrupt' },
  },
];

for (const row of rows) {
  t.test(row.name, async (t) => {
    const result = validateImage(row.bytes);
    t.match(result, row.then);
    if (!result.ok) t.ok(result.detail.length > 0, `says why: ${result.detail}`);
  });
}

t.test('validation at the size limit reads headers only', async (t) => {
  // A real 4000×3000 JPEG padded to the limit with data after its end marker.
  const photo = tinyJpeg(4000, 3000);
  const big = Buffer.concat([photo, Buffer.alloc(MAX_IMAGE_BYTES - photo.length)]);
  t.equal(big.length, MAX_IMAGE_BYTES);
  const started = performance.now();
  t.match(validateImage(big), { ok: true, image: { widthPx: 4000, heightPx: 3000 } });
  t.ok(performance.now() - started < 500, 'under half a second');
});
