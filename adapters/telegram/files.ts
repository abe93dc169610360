import type { Api } from 'grammy';
import { MAX_IMAGE_BYTES } from '../../core/sessions/index.js';

/** A download that takes longer than this is abandoned (the user is told to try again). */
export const FILE_DOWNLOAD_TIMEOUT_MS = 30_000;

export type Download = { ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' | 'unavailable' };

/**
 * Downloads files users send, from `<apiRoot>/file/bot<token>/<file_path>` (the Bot API's file
 * endpoint; a local Bot API server or the test server serve the same path). Never reads more than
 * `maxBytes`, whatever the server claims.
 */
export class TelegramFiles {
  constructor(
    private readonly api: Api,
    private readonly token: string,
    private readonly apiRoot: string,
    private readonly maxBytes: number = MAX_IMAGE_BYTES,
  ) {}

  async download(fileId: string, declaredBytes?: number): Promise<Download> {
    if (declaredBytes !== undefined && declaredBytes > this.maxBytes) return { ok: false, reason: 'too_large' };
    const file = await this.api.getFile(fileId);
    if (file.file_size !== undefined && file.file_size > this.maxBytes) return { ok: false, reason: 'too_large' };
    if (!file.file_path) return { ok: false, reason: 'unavailable' };
    const url = `${this.apiRoot.replace(/\/+$/, '')}/file/bot${this.token}/${file.file_path}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(FILE_DOWNLOAD_TIMEOUT_MS) });
    if (!response.ok || !response.body) return { ok: false, reason: 'unavailable' };
    return this.readLimited(response.body);
  }

  private async readLimited(body: ReadableStream<Uint8Array>): Promise<Download> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > this.maxBytes) {
        await reader.cancel();
        return { ok: false, reason: 'too_large' };
      }
      chunks.push(value);
    }
    return { ok: true, bytes: Buffer.concat(chunks) };
  }
}
