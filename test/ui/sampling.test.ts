/**
 * A run longer than the page's record budget is recorded across its whole duration
 * (ui/trace/sampling.ts): every request's span (what the charts are made of), and a sample of
 * message flights sized to the budget. M/M/1 used to be recorded up to 28 % of its run only.
 */
import { describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../sim/engine/trace.ts';
import { ScenarioRun } from '../../sim/scenario/run.ts';
import { FULL_SHARE, RecordSampler } from '../../ui/trace/sampling.ts';
import { builtIn } from '../helpers.ts';

/** M/M/1 as the built-in scenario has it, 20,000 s long (about 16,000 requests, 110,000 records). */
const scenario = builtIn('queueing/mm1.json', { durationMs: 20_000_000, checks: [] });
const records: TraceRecord[] = [];
const run = new ScenarioRun(scenario, { seed: 1, listeners: [(r) => records.push({ ...r })] });
const result = run.finish();
const endUs = result.simTimeUs;
/** A budget of about a third of the records: recording everything would stop at a third of the run. */
const budget = Math.round(records.length / 3);

function sample(): { kept: TraceRecord[]; sampler: RecordSampler } {
  const sampler = new RecordSampler(budget, endUs);
  return { kept: records.filter((r) => sampler.keep(r)), sampler };
}

describe('recording a long run within the budget', () => {
  it('keeps every record until half the budget is spent, then samples flights across the rest of the run', () => {
    const { kept, sampler } = sample();
    expect(kept.length).toBeLessThanOrEqual(budget);
    expect(sampler.sampling).not.toBeNull();
    const { fromUs, every } = sampler.sampling!;
    expect(records.filter((r) => r.t <= fromUs).length).toBeGreaterThanOrEqual(budget * FULL_SHARE);
    expect(kept.filter((r) => r.t < fromUs)).toEqual(records.filter((r) => r.t < fromUs));
    expect(every).toBeGreaterThan(1);
    // Recorded to the end of the run, not to a third of it.
    expect(kept[kept.length - 1].t).toBeGreaterThan(endUs * 0.99);
  });

  it('keeps every request span, so the charts cover the whole run', () => {
    const { kept } = sample();
    const spans = kept.filter((r) => r.k === 'span');
    expect(spans.length).toBe(records.filter((r) => r.k === 'span').length);
    // Requests still queued at the end have no span yet; the rest all have one.
    expect(spans.length).toBeGreaterThan(Number(result.metrics['client.requests']) - 20);
  });

  it('keeps a sampled flight whole: request sent and delivered, its work, its response sent and delivered', () => {
    const { kept, sampler } = sample();
    const late = kept.filter((r) => r.t > sampler.sampling!.fromUs);
    const requests = late.filter((r) => r.k === 'send' && r.type === 'request').map((r) => r.msg as number);
    expect(requests.length).toBeGreaterThan(10);
    for (const msg of requests.slice(0, -5)) {
      const response = late.find((r) => r.k === 'send' && r.parent === msg);
      expect(response, `response to ${msg}`).toBeDefined();
      expect(late.filter((r) => r.k === 'deliver' && (r.msg === msg || r.msg === response!.msg)).length).toBe(2);
      expect(late.filter((r) => r.k === 'work' && r.msg === msg).length).toBeGreaterThan(0);
    }
  });
});
