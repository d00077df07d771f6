import { z } from 'zod';
import { HealthCheckSchema } from './health-check.schema.ts';
import { OutlierDetectionSchema } from './outlier-detection.schema.ts';
import { DiscoverySchema } from './service-registry.schema.ts';

/**
 * The scenario fields of load balancer (behaviour, metrics and invariants: load-balancer.ts) with
 * the defaults they take. Schemas only: the page validates scenarios with these without
 * loading the patterns' behaviour (test/schema-imports.test.ts keeps it so).
 */
export const ALGORITHMS = ['round-robin', 'weighted-round-robin', 'random', 'least-request', 'least-connections', 'ring-hash', 'maglev', 'bounded-load'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const DEFAULTS = {
  algorithm: 'round-robin' as Algorithm,
  /** Envoy least request `choice_count`. */
  choiceCount: 2,
  /** Envoy least request `active_request_bias`. */
  activeRequestBias: 1.0,
  /** Envoy ring hash `minimum_ring_size`. */
  minimumRingSize: 1024,
  /** Envoy ring hash `maximum_ring_size` (8M). */
  maximumRingSize: 8_388_608,
  /** Envoy `hash_balance_factor` 125, as a factor. */
  hashBalanceFactor: 1.25,
  /** Envoy Maglev `table_size` (the paper's 65537). */
  maglevTableSize: 65_537,
} as const;

const HostId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]*$/);

export const LoadBalancerSchema = z
  .strictObject({
    type: z.literal('load-balancer'),
    name: z.string().max(64).optional(),
    hosts: z.array(HostId).min(1).max(10_000).describe('The node ids calls are spread over.'),
    algorithm: z.enum(ALGORITHMS).default(DEFAULTS.algorithm).describe('How a host is picked for each call.'),
    weights: z.array(z.number().positive().max(1e6)).max(10_000).optional().describe('One per host (default: all 1).'),
    choiceCount: z.int().min(2).max(100).default(DEFAULTS.choiceCount).describe('least-request: hosts sampled per pick.'),
    activeRequestBias: z.number().min(0).max(100).default(DEFAULTS.activeRequestBias).describe('least-request with weights: weight / (active + 1)^bias.'),
    minimumRingSize: z.int().min(1).max(DEFAULTS.maximumRingSize).default(DEFAULTS.minimumRingSize).describe('ring-hash, bounded-load: smallest ring.'),
    maximumRingSize: z.int().min(1).max(DEFAULTS.maximumRingSize).default(DEFAULTS.maximumRingSize).describe('ring-hash, bounded-load: largest ring.'),
    virtualNodesPerHost: z.int().min(1).max(100_000).optional().describe('ring-hash, bounded-load: fixed points per unit of weight (ketama), instead of the ring sizes.'),
    hashBalanceFactor: z.number().min(1).max(100).default(DEFAULTS.hashBalanceFactor).describe('bounded-load: a host takes at most ⌈factor × average active⌉.'),
    maglevTableSize: z.int().min(3).max(5_000_011).refine(isPrime, 'expected a prime number').default(DEFAULTS.maglevTableSize).describe('maglev: table entries (prime).'),
    trackKeys: z.int().min(0).max(1_000_000).default(0).describe('Follow the last host of up to this many keys and count requests whose key moved (<layer>.keyMoves); 0 = off.'),
    outlierDetection: OutlierDetectionSchema.optional().describe('Passive health: eject hosts that fail (Envoy outlier detection).'),
    healthCheck: HealthCheckSchema.optional().describe('Active health: probe each host.'),
    discovery: DiscoverySchema.optional().describe('Client-side discovery: send only to the hosts in this caller\'s cached view of a service registry (fetched every fetchIntervalMs); hosts lists the instances it may ever see.'),
  })
  .superRefine((lb, ctx) => {
    if (lb.weights !== undefined && lb.weights.length !== lb.hosts.length) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: `expected one weight per host (${lb.hosts.length}), got ${lb.weights.length}` });
    }
    const seen = new Set<string>();
    lb.hosts.forEach((h, i) => {
      if (seen.has(h)) ctx.addIssue({ code: 'custom', path: ['hosts', i], message: `expected each host once, got "${h}" again` });
      seen.add(h);
    });
    if (lb.minimumRingSize > lb.maximumRingSize) {
      ctx.addIssue({ code: 'custom', path: ['maximumRingSize'], message: `expected a number ≥ minimumRingSize (${lb.minimumRingSize}), got ${lb.maximumRingSize}` });
    }
  });
export type LoadBalancerSpec = z.output<typeof LoadBalancerSchema>;

/** True if `n` is prime (Maglev's table size must be). */
export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  if (n % 2 === 0) return n === 2;
  for (let d = 3; d * d <= n; d += 2) if (n % d === 0) return false;
  return true;
}
