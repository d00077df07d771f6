/**
 * The page's own clock over the recorded trace: a cursor in simulated time that plays at a
 * chosen speed, never past what has been recorded. Views are drawn from the records up to the
 * cursor; moving the cursor back is time travel.
 */
import type { TraceStore } from './trace/store.ts';

/** Speed is 10^exponent simulated seconds per wall-clock second. */
export const SPEED_MIN_EXP = -4;
export const SPEED_MAX_EXP = 6;
/** While playing, listeners hear of the moving cursor at most this often (wall-clock ms). */
const NOTIFY_MS = 250;

export class Player {
  /** Simulated time, µs (fractional: the animation interpolates between records). */
  cursorUs = 0;
  playing = false;
  speedExp = 0;
  /** Bumped on every change the controls show. */
  version = 0;
  /** Bumped by explicit changes only (seek, play, pause, speed), not by the clock moving. */
  explicitVersion = 0;
  private lastTs: number | null = null;
  private lastNotified = -Infinity;
  private readonly listeners = new Set<() => void>();

  constructor(readonly endUs: number) {}

  get speed(): number {
    return 10 ** this.speedExp;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  /**
   * Advances the clock to wall time `ts` (ms, from requestAnimationFrame). The cursor stops at
   * `limitUs` (the end of the recording so far) and playing stops at the end of the run.
   * Returns true if the cursor moved.
   */
  tick(ts: number, limitUs: number): boolean {
    const last = this.lastTs;
    this.lastTs = ts;
    if (!this.playing || last === null) return false;
    const dt = Math.min(100, Math.max(0, ts - last));
    const before = this.cursorUs;
    const next = Math.min(before + dt * 1000 * this.speed, Math.max(before, limitUs), this.endUs);
    this.cursorUs = next;
    if (next >= this.endUs) this.playing = false;
    // The controls follow the cursor a few times a second (each update costs a style and layout pass).
    if (!this.playing || ts - this.lastNotified >= NOTIFY_MS) {
      this.lastNotified = ts;
      this.changed();
    }
    return next !== before;
  }

  play(): void {
    if (this.cursorUs >= this.endUs) this.cursorUs = 0;
    this.playing = true;
    this.explicitVersion++;
    this.changed();
  }

  pause(): void {
    this.playing = false;
    this.explicitVersion++;
    this.changed();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  seek(us: number): void {
    this.cursorUs = Math.max(0, Math.min(this.endUs, us));
    this.explicitVersion++;
    this.changed();
  }

  setSpeedExp(exp: number): void {
    this.speedExp = Math.max(SPEED_MIN_EXP, Math.min(SPEED_MAX_EXP, exp));
    this.explicitVersion++;
    this.changed();
  }

  /** To the time of the next record after the cursor (within the recording). */
  stepForward(store: TraceStore): void {
    this.pause();
    const i = store.upperBound(Math.floor(this.cursorUs));
    if (i < store.count && store.t[i] <= store.recordedUntilUs) this.seek(store.t[i]);
  }

  /** To the time of the last record before the cursor. */
  stepBack(store: TraceStore): void {
    this.pause();
    const i = store.upperBound(Math.ceil(this.cursorUs) - 1);
    this.seek(i > 0 ? store.t[i - 1] : 0);
  }

  private changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
}

/** A player for a run of `endUs`, at the default speed. */
export function createPlayer(endUs: number): Player {
  const p = new Player(endUs);
  p.setSpeedExp(defaultSpeedExp(endUs));
  return p;
}

/** A default speed that plays the whole run in about a minute, rounded to a tenth of a decade. */
export function defaultSpeedExp(endUs: number): number {
  const exp = Math.log10(Math.max(1e-6, endUs / 1e6 / 60));
  return Math.max(SPEED_MIN_EXP, Math.min(SPEED_MAX_EXP, Math.round(exp * 10) / 10));
}

/** "0.01×", "2.5×", "1,000×". */
export function formatSpeed(speed: number): string {
  return `${speed.toLocaleString('en-US', { maximumSignificantDigits: 2 })}×`;
}
