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
