/**
 * The keys a stream has written, as a Bloom filter of fixed size: `mayHave(key)` is false only
 * for a key never added; it can be true for one never added (about 1 in 18 000 at 1 000 keys,
 * 1 in 40 at 5 000 keys, then worse). A cached state keeps one after it has dropped its entries, so
 * a command naming a new id (a purchase, a reservation) is still decided without a lookup; a
 * false "may have" only costs that lookup.
 *
 * It only grows. Adding a key that was not written (a decision whose append then failed) makes it
 * answer "may have" more often, never "never written" wrongly.
 */
export class KeyFilter {
  static readonly BITS = 32_768;
  static readonly HASHES = 5;
  private readonly words = new Uint32Array(KeyFilter.BITS / 32);

  add(key: string): void {
    this.each(key, (bit) => {
      this.words[bit >>> 5]! |= 1 << (bit & 31);
      return true;
    });
  }

  mayHave(key: string): boolean {
    return this.each(key, (bit) => (this.words[bit >>> 5]! & (1 << (bit & 31))) !== 0);
  }

  /** Runs `visit` on the key's bits (double hashing of two FNV-1a variants) until one says false. */
  private each(key: string, visit: (bit: number) => boolean): boolean {
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h2 |= 1;
    for (let i = 0; i < KeyFilter.HASHES; i++) {
      if (!visit(((h1 + Math.imul(i, h2)) >>> 0) & (KeyFilter.BITS - 1))) return false;
    }
    return true;
  }
}
