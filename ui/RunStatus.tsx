import { useSyncExternalStore } from 'react';
import type { Player } from './playback.ts';
import { playbackState, runStatusText } from './run-status.ts';
import type { Session } from './session.ts';

const noSubscribe = () => () => {};
const zero = () => 0;

/**
 * The run's state in words (see run-status.ts). For tests: `data-phase` is the computation's
 * phase, `data-playback` the clock's state, `data-run` the runs started so far and
 * `data-generation` the current run's branches.
 */
export function RunStatus({ session, player, count, seedValid }: { session: Session | null; player: Player | null; count: number; seedValid: boolean }) {
  useSyncExternalStore(player?.subscribe ?? noSubscribe, player?.getVersion ?? zero);
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getVersion ?? zero);
  const phase = session?.phase ?? 'idle';
  const endUs = player?.endUs ?? session?.endUs ?? 0;
  const cursorUs = Math.floor(player?.cursorUs ?? 0);
  const playing = player?.playing ?? false;
  const outcome = session?.result?.outcome;
  const text = runStatusText({
    phase,
    seedValid,
    playing,
    cursorUs,
    endUs,
    simTimeUs: session?.simTimeUs ?? 0,
    events: session?.events ?? 0,
    branch: (session?.interventions.length ?? 0) > 0,
    limitReason: outcome && outcome.status !== 'completed' ? outcome.reason : null,
    message: session?.message ?? '',
  });
  return (
    <span
      className={`status status-${phase}`}
      role="status"
      data-testid="run-status"
      data-phase={phase}
      data-playback={session ? playbackState(playing, cursorUs, endUs) : 'idle'}
      data-run={count}
      data-generation={session?.generation ?? 0}
    >
      {text}
    </span>
  );
}
