import type { LoopHealth } from '../../app/loop/index.js';
import type { ProjectionHealth } from '../../projections/health.js';

export type { ProjectionHealth, QuarantineHealth } from '../../projections/health.js';

/** What /health reports: every dependency by name, and how far each projection lags. */
export type DependencyState = 'up' | 'down' | 'off';

export interface DependencyHealth {
  state: DependencyState;
  detail?: string;
  latencyMs?: number;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  version: string;
  uptimeSeconds: number;
  dependencies: Record<string, DependencyHealth>;
  projections: ProjectionHealth[];
  /** The background loops of this process (a loop whose lease another process holds shows `standby`). */
  loops?: LoopHealth[];
}

export type HealthCheck = () => Promise<DependencyHealth>;

export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

const withTimeout = async (check: HealthCheck): Promise<DependencyHealth> => {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      check(),
      new Promise<DependencyHealth>((resolve) => {
        timer = setTimeout(
          () => resolve({ state: 'down', detail: `no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms` }),
          HEALTH_CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { latencyMs: Math.round(performance.now() - started), ...result };
  } catch (error) {
    return { state: 'down', detail: (error as Error).message, latencyMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Runs every check in parallel, each bounded in time. `critical` dependencies being down make
 * the service "down" (503); any other one down makes it "degraded" (still 200).
 */
export const collectHealth = async (options: {
  version: string;
  startedAt: number;
  checks: Record<string, HealthCheck>;
  critical: readonly string[];
  projections: () => Promise<ProjectionHealth[]>;
  loops?: () => LoopHealth[];
}): Promise<HealthReport> => {
  const names = Object.keys(options.checks);
  const results = await Promise.all(names.map((name) => withTimeout(options.checks[name]!)));
  const dependencies = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  const projections = await options.projections().catch(() => []);
  const criticalDown = options.critical.some((name) => dependencies[name]?.state === 'down');
  const anyDown =
    results.some((r) => r.state === 'down') ||
    projections.some((p) => p.state === 'failed' || (p.quarantined?.length ?? 0) > 0);
  return {
    status: criticalDown ? 'down' : anyDown ? 'degraded' : 'ok',
    version: options.version,
    uptimeSeconds: Math.round((Date.now() - options.startedAt) / 1000),
    dependencies,
    projections,
    ...(options.loops ? { loops: options.loops() } : {}),
  };
};
