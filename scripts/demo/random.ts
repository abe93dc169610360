import { createHash } from 'node:crypto';
import { deterministicUuid } from '../../core/eventstore/index.js';

/**
 * The demo's only source of variety: a small seeded generator (mulberry32), so a seed always
 * gives the same users, ids, amounts and outcomes.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: string) {
    this.state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }

  /** A UUID that depends only on the seed and the parts. */
  uuid(...parts: readonly (string | number)[]): string {
    return deterministicUuid('modera-demo', this.seed, ...parts.map(String));
  }

  /** A lower-case hex SHA-256, standing in for an image's content hash. */
  sha256(...parts: readonly (string | number)[]): string {
    return createHash('sha256')
      .update([this.seed, ...parts].join('\u0000'))
      .digest('hex');
  }
}

/** Simulated time: the demo's history is spread over days, one step at a time. */
export class DemoClock {
  private ms: number;

  constructor(start: Date) {
    this.ms = start.getTime();
  }

  now(): string {
    return new Date(this.ms).toISOString();
  }

  /** Moves on by `seconds` and returns the new time. */
  advance(seconds: number): string {
    this.ms += seconds * 1000;
    return this.now();
  }
}
