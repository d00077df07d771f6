/**
 * The runs of a comparison, started together: one `Session` (and so one worker) per side, run
 * in parallel, heard as one thing by React. Nothing here draws; the compare view plays all the
 * recordings on one clock.
 */
import { Session, type SessionPhase } from '../session.ts';
import type { ResolvedSide } from './sides.ts';

export interface RunningSide {
  resolved: ResolvedSide;
  session: Session;
}

export class ComparePair {
  readonly sides: readonly RunningSide[];

  constructor(resolved: readonly ResolvedSide[]) {
    this.sides = resolved.map((r) => ({ resolved: r, session: new Session(r.text, r.scenario, r.seed) }));
  }

  /** The baseline (side A) and side B. */
  get a(): RunningSide {
    return this.sides[0];
  }

  get b(): RunningSide {
    return this.sides[1];
  }

  /** Every worker starts at once; the machine runs them side by side. */
  start(): void {
    for (const s of this.sides) s.session.start();
  }

  stop(): void {
    for (const s of this.sides) s.session.stop();
  }

  dispose(): void {
    for (const s of this.sides) s.session.dispose();
  }

  /** A problem on any side first, then running until all are done. */
  get phase(): SessionPhase {
    const phases = this.sides.map((s) => s.session.phase);
    for (const p of ['failed', 'invalid', 'running', 'stopped'] as const) if (phases.includes(p)) return p;
    return 'done';
  }

  subscribe = (listener: () => void): (() => void) => {
    const offs = this.sides.map((s) => s.session.subscribe(listener));
    return () => {
      for (const off of offs) off();
    };
  };

  /** Each session's version only grows, so their sum changes whenever any does. */
  getVersion = (): number => this.sides.reduce((sum, s) => sum + s.session.version, 0);
}
