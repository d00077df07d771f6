import { z } from 'zod';

/**
 * The scenario fields of health check (behaviour, metrics and invariants: health-check.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  /** Kubernetes `periodSeconds` (10 s). */
  intervalMs: 10_000,
  /** Kubernetes `timeoutSeconds` (1 s). */
  timeoutMs: 1000,
  /** Kubernetes `failureThreshold` (3). */
  unhealthyThreshold: 3,
  healthyThreshold: 2,
} as const;

export const HealthCheckSchema = z.strictObject({
  intervalMs: z.number().positive().max(1e9).default(DEFAULTS.intervalMs).describe('Wait between a probe\'s answer (or timeout) and the next probe.'),
  timeoutMs: z.number().positive().max(1e9).default(DEFAULTS.timeoutMs).describe('A probe not answered by then has failed.'),
  unhealthyThreshold: z.int().min(1).max(1e6).default(DEFAULTS.unhealthyThreshold).describe('Failed probes in a row that make a host unhealthy.'),
  healthyThreshold: z.int().min(1).max(1e6).default(DEFAULTS.healthyThreshold).describe('Successful probes in a row that make it healthy again.'),
});
export type HealthCheckParams = z.output<typeof HealthCheckSchema>;
