export type { Accumulator, Projection, TableNames } from './types.js';
export { silentLogger, type Logger } from './logger.js';
export { UnprojectableEvent, ProjectionFailed, ProjectionWaitTimeout } from './errors.js';
export {
  ProjectorRunner,
  IDLE_POLL_MS,
  STANDBY_RETRY_MS,
  FAILED_RECHECK_MS,
  type RunnerOptions,
  type RunnerState,
} from './runner.js';
export { BATCH_MAX_EVENTS } from './batches.js';
export { PROJECTIONS, projectionByName, startProjectors, type RunningProjectors } from './projectors.js';
export { ledgerProjection, LEDGER_PROJECTION } from './ledger/ledgerProjection.js';
export { waitForPosition, WAIT_FOR_POSITION_DEFAULT_MS } from './readYourWrites.js';
export { projectionStatus, lagOf } from './status.js';
export { rebuildProjection, REBUILD_WRITE_EVENTS, type RebuildOptions, type RebuildResult } from './rebuild.js';
export { reconcile, repairAccount, type Difference, type ReconcileReport, type ReconcileOptions } from './reconcile.js';
export { readCheckpoints, type Checkpoint } from './checkpoints.js';
export {
  readQuarantine,
  streamQuarantine,
  repairStream,
  quarantineStream,
  type QuarantinedStream,
  type RepairResult,
} from './quarantine.js';
