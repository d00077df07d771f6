import { useSyncExternalStore, type CSSProperties } from 'react';
import { formatRunTime } from './format.ts';
import { formatSpeed, SPEED_MAX_EXP, SPEED_MIN_EXP, type Player } from './playback.ts';
import type { TraceStore } from './trace/store.ts';

interface Props {
  player: Player;
  store: TraceStore;
  /** Starts the run if there is none yet (Play before Run). */
  onPlayWithoutRun: (() => void) | null;
}

/**
 * Play, pause, step, speed (logarithmic) and the scrubber over simulated time. The scrubber's
 * shaded part is what has been recorded so far: the cursor can go anywhere in it.
 */
export function PlaybackBar({ player, store, onPlayWithoutRun }: Props) {
  useSyncExternalStore(player.subscribe, player.getVersion);
  const endUs = player.endUs;
  const recorded = Math.max(0, Math.min(1, (store.recordedUntilUs + 1) / endUs));
  const cursor = player.cursorUs;
  const style = { '--recorded': `${(recorded * 100).toFixed(2)}%` } as CSSProperties;
  return (
    <div className="playback" role="group" aria-label="Playback" data-testid="playback">
      <div className="playback-buttons">
        <button type="button" className="icon-button" onClick={() => player.seek(0)} aria-label="Back to the start" title="Back to the start (Home)">
          |◀
        </button>
        <button type="button" className="icon-button" onClick={() => player.stepBack(store)} aria-label="Step back" title="Step back to the previous record (←)" data-testid="step-back">
          ◀
        </button>
        <button
          type="button"
          className="icon-button play"
          onClick={() => (onPlayWithoutRun ? onPlayWithoutRun() : player.toggle())}
          aria-label={player.playing ? 'Pause' : 'Play'}
          title={player.playing ? 'Pause (space)' : 'Play (space)'}
          data-testid="play"
          data-playing={player.playing ? 'true' : 'false'}
        >
          {player.playing ? '❚❚' : '▶'}
        </button>
        <button type="button" className="icon-button" onClick={() => player.stepForward(store)} aria-label="Step forward" title="Step to the next record (→)" data-testid="step-forward">
          ▶|
        </button>
      </div>
      <label className="scrubber" style={style}>
        <span className="visually-hidden">Simulated time</span>
        <input
          type="range"
          min={0}
          max={endUs}
          step="any"
          value={cursor}
          onChange={(e) => player.seek(Math.min(Number(e.currentTarget.value), Math.max(0, store.recordedUntilUs)))}
          data-testid="scrubber"
        />
      </label>
      <span className="clock" data-testid="clock" data-cursor-us={Math.floor(cursor)}>
        {formatRunTime(Math.floor(cursor), endUs)} <span className="muted">/ {formatRunTime(endUs, endUs)}</span>
      </span>
      <label className="speed" title="Playback speed: simulated time per second of wall-clock time">
        <span>Speed</span>
        <input
          type="range"
          min={SPEED_MIN_EXP}
          max={SPEED_MAX_EXP}
          step={0.1}
          value={player.speedExp}
          onChange={(e) => player.setSpeedExp(Number(e.currentTarget.value))}
          data-testid="speed"
          aria-valuetext={formatSpeed(player.speed)}
        />
        <output data-testid="speed-value">{formatSpeed(player.speed)}</output>
      </label>
    </div>
  );
}
