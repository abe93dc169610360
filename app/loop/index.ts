export {
  DurableLoop,
  LoopRegistry,
  startLoop,
  LOOP_BACKOFF,
  LEASE_TTL_MS,
  STANDBY_RETRY_MS,
  STOP_GRACE_MS,
  type LoopOptions,
  type LoopHealth,
  type LoopState,
  type StepContext,
  type StepResult,
} from './durableLoop.js';
export { LeaseLost } from './errors.js';
export { noMetrics, type Lease, type LeaseStore, type LoopMetrics, type StepOutcome } from './ports.js';
export { loopSettings, type LoopServices } from './services.js';
