/**
 * The status line beside Run, in words: what playback is doing (the thing a newcomer watches)
 * and, while the worker computes, how far the run has got. "Done" alone used to show while the
 * cursor still sat at 0, so a newcomer saw nothing move and was told it was over.
 */
import { formatNumber, formatPercent, formatRunTime } from './format.ts';
import type { SessionPhase } from './session.ts';

export type PlaybackState = 'playing' | 'paused' | 'finished';

export interface RunStatusInput {
  phase: SessionPhase | 'idle';
  seedValid: boolean;
  /** Playback clock. */
  playing: boolean;
  cursorUs: number;
  endUs: number;
  /** Computation, while running. */
  simTimeUs: number;
  events: number;
  branch: boolean;
  /** Why the run stopped early (a limit), once done; null when it completed. */
  limitReason: string | null;
  /** The failure, when the run failed. */
  message: string;
}

export function playbackState(playing: boolean, cursorUs: number, endUs: number): PlaybackState {
  if (cursorUs >= endUs) return 'finished';
  return playing ? 'playing' : 'paused';
}

/** "Playing 2.8 s of 60 s · computing… 45% · 12,000 events", "Paused at 0 ms of 60 s", "Finished". */
export function runStatusText(s: RunStatusInput): string {
  switch (s.phase) {
    case 'idle':
      return s.seedValid ? 'Ready' : 'The seed must be a whole number ≥ 0';
    case 'invalid':
      return 'The scenario is not valid';
    case 'failed':
      return `The run failed: ${s.message}`;
    case 'stopped':
      return `Stopped · ${playbackText(s)}`;
    case 'running': {
      const fraction = s.endUs > 0 ? s.simTimeUs / s.endUs : 0;
      const branch = s.branch ? ' (what-if branch)' : '';
      return `${playbackText(s)} · computing${branch}… ${formatPercent(fraction)} · ${formatNumber(s.events)} events`;
    }
    case 'done':
      return s.limitReason === null ? playbackText(s) : `${playbackText(s)} · the run was stopped by limit ${s.limitReason}`;
  }
}

function playbackText(s: RunStatusInput): string {
  const of = `${formatRunTime(s.cursorUs, s.endUs)} of ${formatRunTime(s.endUs, s.endUs)}`;
  switch (playbackState(s.playing, s.cursorUs, s.endUs)) {
    case 'finished':
      return 'Finished';
    case 'playing':
      return `Playing ${of}`;
    case 'paused':
      return `Paused at ${of}`;
  }
}
