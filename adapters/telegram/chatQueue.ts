/**
 * Runs tasks one at a time per key (a chat) and at most `concurrency` at once overall: two
 * updates of one chat are never handled concurrently, and they run in the order they were
 * pushed; different chats run side by side. Replaces `sequentialize` from @grammyjs/runner,
 * which is not installed.
 */

/** Chats handled at the same time; the rest wait for a slot. Two cores: mostly IO waits. */
export const DEFAULT_CHAT_CONCURRENCY = 16;

export class ChatQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number = DEFAULT_CHAT_CONCURRENCY) {
    if (!Number.isSafeInteger(concurrency) || concurrency < 1)
      throw new RangeError('concurrency must be a positive integer');
  }

  /** Chats with work queued or running. */
  get activeChats(): number {
    return this.tails.size;
  }

  /**
   * Queues `task` behind the earlier tasks of `key`; resolves when it has run. A task that
   * throws rejects its own promise only: the chat's next task still runs.
   */
  push<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.withSlot(task));
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every task queued so far has run. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async withSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) this.running++;
    // A finishing task hands its slot straight to the first waiter: `running` stays the same.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
