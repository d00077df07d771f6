/**
 * Retry attempts are told apart from first attempts (ui/trace/messages.ts `attempt`), from the
 * `attempt:N` call record the transport writes just before a retry's send: every retry the
 * engine counts is one message drawn as a retry, with the attempt number its `retry:N` event
 * announced, and first attempts stay first attempts.
 */
import { describe, expect, it } from 'vitest';
import { builtIn } from '../helpers.ts';
import { recordRun } from './recorded.ts';

describe('retry attempts in the recorded trace', () => {
  const run = recordRun(builtIn('resilience/retry-storm.json', { durationMs: 30_000 }), { batchSize: 5000 });
  const m = run.store.messages;
  const attempts = Array.from(m.attempt.a.subarray(0, m.count));

  it('marks as many retry messages as the retry layer sent retries, each with its attempt number', () => {
    const retries = run.result.metrics['client.retry.retries'] as number;
    expect(retries).toBeGreaterThan(0);
    expect(attempts.filter((a) => a > 1)).toHaveLength(retries);
    expect(m.retries).toBe(retries);
    for (const n of [2, 3, 4]) {
      const announced = run.records.filter((r) => r.k === 'call' && r.layer === 'client.retry' && r.event === `retry:${n}`).length;
      expect(attempts.filter((a) => a === n), `attempt ${n}`).toHaveLength(announced);
    }
  });

  it('leaves every other message a first attempt: requests the client sent once, and all responses', () => {
    const requests = run.result.metrics['client.retry.attempts'] as number;
    const retries = run.result.metrics['client.retry.retries'] as number;
    const sentByClient = run.nodeNames.indexOf('client');
    const firsts = attempts.filter((a, idx) => a === 1 && m.from.a[idx] === sentByClient);
    expect(firsts).toHaveLength(requests - retries);
    const api = run.nodeNames.indexOf('api');
    expect(attempts.some((a, idx) => a > 1 && m.from.a[idx] === api)).toBe(false);
  });
});
