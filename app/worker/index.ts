export { startWorker, type WorkerOptions, type RunningWorker } from './worker.js';
export {
  startSweeper,
  sweepExpiredHolds,
  type SweeperOptions,
  type RunningSweeper,
  type SweepReport,
} from './sweeper.js';
export { expireIdleSessions, type ExpiryReport } from './sessionExpiry.js';
export { createHolds, holdTtlSeconds, type Holds, type SettleOutcome } from './holds.js';
export type { ClaimedJob, JobFinish, JobQueue, SweepCandidates } from './jobs.js';
export * from './limits.js';
export { systemClock, type Clock, type WorkerAi, type WorkerImages, type Logger } from './types.js';
export type { AiProvider, CallReceipt, FitAssessor, StyleAnalyzer, TokenUsage, TryOnGenerator } from './aiPorts.js';
export { AllProvidersFailed, InvalidAiInput, OutcomeUnknown, ProviderError } from './aiErrors.js';
