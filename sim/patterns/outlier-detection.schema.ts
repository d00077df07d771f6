import { z } from 'zod';
import { FAILURE_OUTCOMES, type FailureOutcome } from '../nodes/call.ts';

/**
 * The scenario fields of outlier detection (behaviour, metrics and invariants: outlier-detection.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const DEFAULTS = {
  /** Envoy `consecutive_5xx`. */
  consecutive5xx: 5,
  /** Envoy `interval` (10 s). */
  intervalMs: 10_000,
  /** Envoy `base_ejection_time` (30 s). */
  baseEjectionTimeMs: 30_000,
  /** Envoy `max_ejection_time` (300 s). */
  maxEjectionTimeMs: 300_000,
  /** Envoy `max_ejection_percent` (10 %). */
  maxEjectionPercent: 10,
  /** Envoy `enforcing_consecutive_5xx` (100 %). */
  enforcingConsecutive5xx: 100,
  /** Envoy `enforcing_success_rate` (100 %). */
  enforcingSuccessRate: 100,
  /** Envoy `success_rate_minimum_hosts`. */
  successRateMinimumHosts: 5,
  /** Envoy `success_rate_request_volume` (answers per host per interval). */
  successRateRequestVolume: 100,
  /** Envoy `success_rate_stdev_factor` (in thousandths: 1900 = 1.9). */
  successRateStdevFactor: 1900,
  /** What counts as a failure (a 5xx). */
  failureOutcomes: ['error', 'rejected', 'timeout'] as FailureOutcome[],
};

export const OutlierDetectionSchema = z.strictObject({
  consecutive5xx: z.int().min(1).max(1e6).default(DEFAULTS.consecutive5xx).describe('Eject a host after this many failures in a row.'),
  intervalMs: z.number().positive().max(1e9).default(DEFAULTS.intervalMs).describe('Time between sweeps (success-rate ejection, backoff decay).'),
  baseEjectionTimeMs: z.number().positive().max(1e9).default(DEFAULTS.baseEjectionTimeMs).describe('An ejection lasts this × the times the host was ejected.'),
  maxEjectionTimeMs: z.number().positive().max(1e9).default(DEFAULTS.maxEjectionTimeMs).describe('Longest ejection.'),
  maxEjectionPercent: z.number().min(0).max(100).default(DEFAULTS.maxEjectionPercent).describe('At most this % of hosts ejected at once (but one always may be).'),
  enforcingConsecutive5xx: z.number().min(0).max(100).default(DEFAULTS.enforcingConsecutive5xx).describe('% chance a consecutive-5xx detection ejects.'),
  enforcingSuccessRate: z.number().min(0).max(100).default(DEFAULTS.enforcingSuccessRate).describe('% chance a success-rate detection ejects (0 = off).'),
  successRateMinimumHosts: z.int().min(1).max(1e6).default(DEFAULTS.successRateMinimumHosts).describe('Hosts with enough volume needed for success-rate ejection.'),
  successRateRequestVolume: z.int().min(1).max(1e9).default(DEFAULTS.successRateRequestVolume).describe('Answers in the interval a host needs to be judged.'),
  successRateStdevFactor: z.number().min(0).max(1e6).default(DEFAULTS.successRateStdevFactor).describe('Eject below mean − (this/1000)·stdev.'),
  failureOutcomes: z.array(z.enum(FAILURE_OUTCOMES)).max(3).default(() => [...DEFAULTS.failureOutcomes]).describe('Outcomes that count as failures (5xx).'),
});
export type OutlierDetectionParams = z.output<typeof OutlierDetectionSchema>;
