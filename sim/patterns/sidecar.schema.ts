/**
 * What a scenario may say about a service's sidecar proxy (sidecar.ts). A zod schema, apart
 * from the behaviour so that the page can validate a scenario without loading the engine.
 *
 * Defaults are calibrated to the Istio benchmark (Istio 1.12–1.16, see the reference): a request
 * crossing two proxies — the caller's outbound and the callee's inbound, each passed on the way
 * in and on the way out — takes about 2.65 ms longer at p90, and a proxy spends 0.35 vCPU per
 * 1,000 requests/s, 0.35 ms of CPU per request. Here each of the four passes costs 0.175 ms of a
 * proxy worker's CPU plus a lognormal wait (median 0.285 ms, σ 0.6); the sum of four has its
 * 90th percentile at 2.65 ms.
 */
import { z } from 'zod';
import { PolicySchema } from './policy-schemas.ts';

export const SIDECAR_DEFAULTS = {
  cpuMs: 0.175,
  latencyMedianMs: 0.285,
  latencySigma: 0.6,
  workers: 2,
} as const;

export const SidecarSchema = z.strictObject({
  cpuMs: z.number().min(0).max(1e6).default(SIDECAR_DEFAULTS.cpuMs).describe('CPU a proxy worker spends on each pass of a request through the proxy (in, and out again): 0.175 ms, so 0.35 ms per request as Istio\'s benchmark measures.'),
  latencyMedianMs: z.number().min(0).max(1e6).default(SIDECAR_DEFAULTS.latencyMedianMs).describe('Median of the rest of a pass\'s latency (the local hop, buffering), lognormal.'),
  latencySigma: z.number().min(0).max(5).default(SIDECAR_DEFAULTS.latencySigma).describe('σ of that lognormal.'),
  workers: z.int().min(1).max(1024).default(SIDECAR_DEFAULTS.workers).describe('Proxy worker threads (Envoy\'s --concurrency): passes queue for them under load.'),
  inbound: z.array(PolicySchema).max(32).default(() => []).describe('Policies the proxy applies to requests coming in, outermost first (a local rate limit, a concurrency limit…).'),
  outbound: z.array(PolicySchema).max(32).default(() => []).describe('Policies the proxy applies to the service\'s calls, below the app\'s own call path (so app retries × proxy retries multiply).'),
});

export type SidecarSpec = z.output<typeof SidecarSchema>;
