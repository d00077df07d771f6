/**
 * Consul's health-check timings, apart from both the schema (which the page loads with zod) and
 * the behaviour (which the worker loads without it).
 */
export const CONSUL_DEFAULTS = {
  intervalMs: 10_000,
  timeoutMs: 10_000,
  /** Consul's reaper runs every 30 s, so a critical instance leaves up to 30 s after its bound. */
  reapIntervalMs: 30_000,
} as const;
