import type { ImageStore } from '../sessions/imageStore.js';
import type { FitAssessor, StyleAnalyzer, TryOnGenerator } from './aiPorts.js';

/** Where time comes from: tests move it instead of sleeping through 30 minutes. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** The worker and the sweepers log through the application's one logger type. */
export { silentLogger, type Logger } from '../../projections/logger.js';

/** The AI ports a worker calls (aiPorts.ts); adapters/ai's fallback chain implements all three. */
export type WorkerAi = TryOnGenerator & StyleAnalyzer & FitAssessor;

/** The image store calls a worker makes. */
export type WorkerImages = Pick<ImageStore, 'get' | 'put'>;

export const isoAt = (clock: Clock): string => clock().toISOString();

/** `text` cut to `max` characters, for error columns and logs. */
export const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
