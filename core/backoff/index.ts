export { backoffMs, backoffCapMs, BACKOFF_MAX_DOUBLINGS, type BackoffPolicy, type Jitter } from './backoff.js';
