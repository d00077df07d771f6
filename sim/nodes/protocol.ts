/**
 * The request/response protocol between clients and services. Responses carry one of a few
 * shared, frozen payloads, so replying allocates nothing but the message.
 */
export const REQUEST = 'request';
export const RESPONSE = 'response';

export type Outcome = 'ok' | 'error' | 'rejected';

export interface ResponsePayload {
  readonly outcome: Outcome;
  /** Why it failed, for errors and rejections (e.g. "queue-full", "brownout"). */
  readonly reason: string;
}

export const RESPONSE_OK: ResponsePayload = Object.freeze({ outcome: 'ok', reason: '' });
export const RESPONSE_ERROR: ResponsePayload = Object.freeze({ outcome: 'error', reason: 'error' });
export const RESPONSE_QUEUE_FULL: ResponsePayload = Object.freeze({ outcome: 'rejected', reason: 'queue-full' });

export function isResponsePayload(p: unknown): p is ResponsePayload {
  return typeof p === 'object' && p !== null && 'outcome' in p;
}

/**
 * A request's payload: its key — or, for a typed request (a workload's `requests`), its key and
 * type, the index of the type's name in the scenario's list of request types. Untyped requests
 * stay a bare number, so scenarios without types send exactly what they always did.
 */
export interface TypedRequest {
  readonly key: number;
  readonly type: number;
}

export function typedRequest(key: number, type: number): number | TypedRequest {
  return type < 0 ? key : { key, type };
}

/** The key a request carries (`fallback` if it carries none). */
export function requestKey(payload: unknown, fallback: number): number {
  if (typeof payload === 'number') return payload;
  if (typeof payload === 'object' && payload !== null && 'type' in payload && 'key' in payload) return (payload as TypedRequest).key;
  return fallback;
}

/** The type a request carries, or -1 for an untyped one. */
export function requestType(payload: unknown): number {
  if (typeof payload === 'object' && payload !== null && 'type' in payload && 'key' in payload) return (payload as TypedRequest).type;
  return -1;
}
