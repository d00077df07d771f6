/** The status line beside Run (ui/run-status.ts): playback state first, never "Done" while nothing has played. */
import { describe, expect, it } from 'vitest';
import { formatRunTime, runTimeUnit } from '../../ui/format.ts';
import { runStatusText, type RunStatusInput } from '../../ui/run-status.ts';

const base: RunStatusInput = {
  phase: 'done',
  seedValid: true,
  playing: false,
  cursorUs: 0,
  endUs: 60_000_000,
  simTimeUs: 60_000_000,
  events: 1000,
  branch: false,
  limitReason: null,
  message: '',
};

describe('run status', () => {
  it('says what playback is doing: playing, paused, finished', () => {
    expect(runStatusText({ ...base, playing: true, cursorUs: 2_800_000 })).toBe('Playing 2.8 s of 60 s');
    expect(runStatusText({ ...base, cursorUs: 2_800_000 })).toBe('Paused at 2.8 s of 60 s');
    expect(runStatusText({ ...base, cursorUs: 60_000_000 })).toBe('Finished');
  });

  it('is not "Done" while the cursor waits at the start of a complete run', () => {
    expect(runStatusText(base)).toBe('Paused at 0 ms of 60 s');
  });

  it('adds how far the worker has computed while it runs, and a limit that stopped the run', () => {
    expect(runStatusText({ ...base, phase: 'running', playing: true, cursorUs: 1_000_000, simTimeUs: 30_000_000, events: 12_345 })).toBe(
      'Playing 1 s of 60 s · computing… 50% · 12,345 events',
    );
    expect(runStatusText({ ...base, limitReason: 'maxEvents' })).toBe('Paused at 0 ms of 60 s · the run was stopped by limit maxEvents');
  });

  it('reads long runs in the chart axes’ unit', () => {
    const mm1 = 1_250_000_000_000;
    expect(runTimeUnit(mm1).name).toBe('h');
    expect(runStatusText({ ...base, endUs: mm1, cursorUs: 45_000_000_000, playing: true })).toBe('Playing 12.5 h of 347.22 h');
    expect(formatRunTime(600_000_000, 20 * 60_000_000)).toBe('10 min');
  });
});
