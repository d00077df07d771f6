import type { Micros } from '../engine/time.ts';

/**
 * The messages between a service registry (service-registry.ts), its instances and the callers
 * that discover them (registry-client.ts), with Eureka's REST calls as the model: register
 * (POST), renew (PUT, answered found / not found), cancel (DELETE) and fetch (GET).
 */
export const REG_REGISTER = 'registry.register';
export const REG_RENEW = 'registry.renew';
export const REG_RENEW_REPLY = 'registry.renew-reply';
export const REG_CANCEL = 'registry.cancel';
export const REG_FETCH = 'registry.fetch';
export const REG_VIEW = 'registry.view';
/** Consul-style: the registry's health check of an instance, and the instance's answer. */
export const REG_CHECK = 'registry.check';
export const REG_CHECK_OK = 'registry.check-ok';

export interface RegisterPayload {
  readonly app: string;
  readonly leaseUs: Micros;
}

/** A fetch names the caller's call-path layer, so the answer finds its way to the right balancer. */
export interface FetchPayload {
  readonly app: string;
  readonly layer: string;
}

export interface ViewPayload {
  readonly layer: string;
  readonly app: string;
  /** The instances registered for the app, as the registry's response cache had them. */
  readonly instances: readonly string[];
}
