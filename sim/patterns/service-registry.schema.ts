/**
 * What a scenario may say about service discovery (service-registry.ts, registry-client.ts): a
 * registry node with Eureka's server settings, an instance's registration (a service field),
 * and a load balancer's discovery (a load-balancer field). Zod schemas, apart from the
 * behaviour so that the page can validate a scenario without loading the engine.
 *
 * Defaults are Eureka's (Netflix eureka-core, Spring Cloud Netflix): heartbeat every 30 s,
 * lease 90 s, eviction sweep every 60 s, read-only response cache refreshed every 30 s, client
 * registry fetch every 30 s, self-preservation below 85 % of the expected renewals.
 */
import { z } from 'zod';
import { KindId, KindLabel, KindPosition } from '../nodes/data-service.schema.ts';
import { CONSUL_DEFAULTS } from './service-registry.defaults.ts';

export const REGISTRY_DEFAULTS = {
  /** eureka.server.evictionIntervalTimerInMs */
  evictionIntervalMs: 60_000,
  /** eureka.server.renewalPercentThreshold */
  renewalPercentThreshold: 0.85,
  /** eureka.server.expectedClientRenewalIntervalSeconds */
  expectedRenewalIntervalMs: 30_000,
  /** eureka.server.renewalThresholdUpdateIntervalMs (15 minutes) */
  renewalThresholdUpdateIntervalMs: 900_000,
  /** eureka.server.responseCacheUpdateIntervalMs */
  responseCacheUpdateIntervalMs: 30_000,
  /** eureka.instance.leaseRenewalIntervalInSeconds */
  heartbeatIntervalMs: 30_000,
  /** eureka.instance.leaseExpirationDurationInSeconds */
  leaseDurationMs: 90_000,
  /** eureka.client.registryFetchIntervalSeconds */
  fetchIntervalMs: 30_000,
} as const;

const ms = (max = 1e9) => z.number().min(0).max(max);
const positiveMs = () => z.number().positive().max(1e9);

export const RegistryHealthCheckSchema = z.strictObject({
  intervalMs: positiveMs().default(CONSUL_DEFAULTS.intervalMs).describe('How often the registry checks each instance (Consul check interval).'),
  timeoutMs: positiveMs().default(CONSUL_DEFAULTS.timeoutMs).describe('A check not answered within this fails (Consul check timeout).'),
  successBeforePassing: z.int().min(0).max(100).default(0).describe('Consecutive successes, beyond the first, before a critical instance is passing again (Consul success_before_passing).'),
  failuresBeforeCritical: z.int().min(0).max(100).default(0).describe('Consecutive failures, beyond the first, before a passing instance is critical (Consul failures_before_critical).'),
  deregisterCriticalAfterMs: z.number().min(60_000).max(1e9).nullable().default(null).describe('Deregister an instance critical for longer than this (Consul deregister_critical_service_after, at least 1 minute; the reaper runs every 30 s). null: never.'),
});

export type RegistryHealthCheckSpec = z.output<typeof RegistryHealthCheckSchema>;

export const ServiceRegistrySchema = z.strictObject({
  id: KindId,
  kind: z.literal('service-registry'),
  label: KindLabel.optional(),
  position: KindPosition.optional(),
  evictionIntervalMs: positiveMs().default(REGISTRY_DEFAULTS.evictionIntervalMs).describe('How often the eviction sweep removes expired leases (Eureka evictionIntervalTimerInMs).'),
  selfPreservation: z.boolean().default(true).describe('Stop evicting while the renewals of the last minute are at or below the threshold: a registry that loses many heartbeats at once assumes the network, not the instances, failed (Eureka enableSelfPreservation).'),
  renewalPercentThreshold: z.number().min(0).max(1).default(REGISTRY_DEFAULTS.renewalPercentThreshold).describe('The threshold is ⌊expected instances × renewals per minute each × this⌋; also caps one sweep\'s evictions at size − ⌊size × this⌋ (Eureka renewalPercentThreshold).'),
  expectedRenewalIntervalMs: positiveMs().default(REGISTRY_DEFAULTS.expectedRenewalIntervalMs).describe('The heartbeat interval the threshold assumes: 30 s makes 2 renewals per instance per minute (Eureka expectedClientRenewalIntervalSeconds).'),
  renewalThresholdUpdateIntervalMs: positiveMs().default(REGISTRY_DEFAULTS.renewalThresholdUpdateIntervalMs).describe('How often the expected instance count is reset to the registry\'s size, when that size is above the threshold share of it (Eureka renewalThresholdUpdateIntervalMs, 15 min).'),
  responseCacheUpdateIntervalMs: positiveMs().default(REGISTRY_DEFAULTS.responseCacheUpdateIntervalMs).describe('Fetches are answered from a read-only cache copied from the registry this often (Eureka responseCacheUpdateIntervalMs).'),
  useReadOnlyResponseCache: z.boolean().default(true).describe('false: fetches see the registry as it is now (Eureka useReadOnlyResponseCache).'),
  healthCheck: RegistryHealthCheckSchema.optional().describe('Consul-style discovery instead of Eureka\'s leases: the registry checks every registered instance itself and answers fetches with the passing ones, at once (no response cache). Instances do not send heartbeats; nothing expires, is evicted or self-preserved. A new instance is critical until its first check passes (Consul\'s default).'),
  doubleExpiry: z.boolean().default(false).describe('Eureka\'s lease quirk: a renewal sets the lease\'s last update to now + duration, so a renewed lease expires 2 × leaseDuration after its last renewal. false: it expires leaseDuration after (the documented intent).'),
});

export type ServiceRegistrySpec = z.output<typeof ServiceRegistrySchema>;

/** A service instance's registration with a registry (a service's `registration` field). */
export const RegistrationSchema = z.strictObject({
  registry: KindId.describe('The service-registry node.'),
  app: z.string().min(1).max(64).regex(/^[^.]+$/, 'expected a name without "."').describe('The application this instance belongs to; callers discover instances by it.'),
  heartbeatIntervalMs: positiveMs().default(REGISTRY_DEFAULTS.heartbeatIntervalMs).describe('How often the instance renews its lease (Eureka leaseRenewalIntervalInSeconds).'),
  leaseDurationMs: positiveMs().default(REGISTRY_DEFAULTS.leaseDurationMs).describe('How long after its last renewal the registry considers the lease expired (Eureka leaseExpirationDurationInSeconds).'),
});

export type RegistrationSpec = z.output<typeof RegistrationSchema>;

/** Where a load balancer takes its hosts from (a load-balancer's `discovery` field). */
export const DiscoverySchema = z.strictObject({
  registry: KindId.describe('The service-registry node to fetch from.'),
  app: z.string().min(1).max(64).describe('The application whose instances to use.'),
  fetchIntervalMs: positiveMs().default(REGISTRY_DEFAULTS.fetchIntervalMs).describe('How often the caller fetches the registry (Eureka registryFetchIntervalSeconds): the next fetch this long after an answer; a fetch unanswered for this long is given up and the wait doubles, up to 10 × (Eureka\'s back-off). Between fetches it balances over its cached view, and keeps it while the registry is unreachable.'),
  firstFetchMs: ms().default(0).describe('When the first fetch is made after the caller starts (a caller that starts with the system may otherwise find the registry still empty, and wait a whole interval).'),
});

export type DiscoverySpec = z.output<typeof DiscoverySchema>;
