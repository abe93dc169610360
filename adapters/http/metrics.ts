import client from 'prom-client';
import type { LoopMetrics } from '../../app/loop/index.js';

/**
 * Prometheus metrics, one registry for the process. Features record into these; `/metrics`
 * serves them. Label values are closed sets (route patterns, outcome codes), never user input.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const httpRequestDuration = new client.Histogram({
  name: 'modera_http_request_duration_seconds',
  help: 'HTTP request duration by route pattern, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const commandsTotal = new client.Counter({
  name: 'modera_commands_total',
  help: 'Ledger and session commands by type and outcome (ok, or the rejection code)',
  labelNames: ['command', 'outcome'] as const,
  registers: [registry],
});

export const projectorLagEvents = new client.Gauge({
  name: 'modera_projector_lag_events',
  help: 'Events between the head of the log and a projector checkpoint',
  labelNames: ['projector'] as const,
  registers: [registry],
});

export const projectorLagSeconds = new client.Gauge({
  name: 'modera_projector_lag_seconds',
  help: 'Age of the oldest event a projector has not applied yet',
  labelNames: ['projector'] as const,
  registers: [registry],
});

/** Streams a projection holds back: one of their events could not be applied (projections/quarantine.ts). */
export const projectionQuarantinedStreams = new client.Gauge({
  name: 'modera_projection_quarantined_streams',
  help: 'Streams in quarantine per projection: an event could not be applied, their later events are held back',
  labelNames: ['projector'] as const,
  registers: [registry],
});

export const aiCallDuration = new client.Histogram({
  name: 'modera_ai_call_duration_seconds',
  help: 'AI provider call duration by provider, operation and outcome',
  labelNames: ['provider', 'operation', 'outcome'] as const,
  buckets: [0.5, 1, 2, 5, 10, 20, 40, 60, 120],
  registers: [registry],
});

export const aiCostMicroUsd = new client.Counter({
  name: 'modera_ai_cost_micro_usd_total',
  help: 'Estimated AI cost in micro-USD by provider and feature',
  labelNames: ['provider', 'feature'] as const,
  registers: [registry],
});

export const webhookDeliveries = new client.Counter({
  name: 'modera_webhook_deliveries_total',
  help: 'Webhook deliveries by provider and outcome (recorded, duplicate, rejected)',
  labelNames: ['provider', 'outcome'] as const,
  registers: [registry],
});

const loopStepDuration = new client.Histogram({
  name: 'modera_loop_step_duration_seconds',
  help: 'Durable loop steps by loop and outcome (more, idle, failed, fenced)',
  labelNames: ['loop', 'outcome'] as const,
  buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120],
  registers: [registry],
});

const loopLeaseHeld = new client.Gauge({
  name: 'modera_loop_lease_held',
  help: '1 while this process holds the lease of a durable loop, else 0',
  labelNames: ['loop'] as const,
  registers: [registry],
});

/** The durable loops' metrics port (app/loop/ports.ts) on this registry. */
export const loopMetrics: LoopMetrics = {
  stepEnded: (loop, outcome, durationMs) => loopStepDuration.observe({ loop, outcome }, durationMs / 1000),
  leaseHeld: (loop, held) => loopLeaseHeld.set({ loop }, held ? 1 : 0),
};
