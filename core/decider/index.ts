export { accept, reject, type Decision } from './decision.js';
export { invariant, InvariantViolation, type InvariantScope } from './invariant.js';
