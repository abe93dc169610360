import type { RecordedEvent } from '../core/eventstore/index.js';

const describe = (event: RecordedEvent): string =>
  `${event.type} at position ${event.position} (event ${event.id}, stream ${event.stream} revision ${event.revision})`;

/** A handler cannot apply this event (its data is not what it expects, or it contradicts the rows). */
export class UnprojectableEvent extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly reason: string,
  ) {
    super(`cannot project ${describe(event)}: ${reason}`);
    this.name = 'UnprojectableEvent';
  }
}

/** A projector stopped: it will not move until the cause is fixed (and, usually, a rebuild). */
export class ProjectionFailed extends Error {
  constructor(
    readonly projection: string,
    readonly event: RecordedEvent | undefined,
    cause: unknown,
  ) {
    const what = event ? describe(event) : 'a batch';
    super(`projection ${projection} stopped at ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'ProjectionFailed';
  }
}

/** A reader waited for a projection to reach a position, and the bound ran out first. */
export class ProjectionWaitTimeout extends Error {
  readonly code = 'projection_wait_timeout';
  constructor(
    readonly projection: string,
    readonly position: number,
    readonly reached: number,
    readonly timeoutMs: number,
  ) {
    super(`projection ${projection} is at ${reached}, not yet at ${position}, after ${timeoutMs} ms`);
    this.name = 'ProjectionWaitTimeout';
  }
}

/**
 * The checkpoint row no longer holds what this instance last wrote: another instance, a rebuild's
 * swap or a repair moved it. Not a failure: reload the checkpoint and go on from there.
 */
export class CheckpointMoved extends Error {
  constructor(
    readonly checkpoint: string,
    readonly expected: number,
  ) {
    super(`checkpoint ${checkpoint} is no longer at ${expected}`);
    this.name = 'CheckpointMoved';
  }
}
