/**
 * Two runs started together for a comparison: one `Session` (and so one worker) per side, run
 * in parallel, heard as one thing by React. Nothing here draws; the compare view plays both
 * recordings on one clock.
 */
import { Session, type SessionPhase } from '../session.ts';
import type { ResolvedSide } from './sides.ts';

export interface RunningSide {
  resolved: ResolvedSide;
  session: Session;
}

export class ComparePair {
  readonly a: RunningSide;
  readonly b: RunningSide;

  constructor(a: ResolvedSide, b: ResolvedSide) {
    this.a = { resolved: a, session: new Session(a.text, a.scenario, a.seed) };
    this.b = { resolved: b, session: new Session(b.text, b.scenario, b.seed) };
  }

  get sides(): [RunningSide, RunningSide] {
    return [this.a, this.b];
  }

  /** Both workers start at once; the machine runs them side by side. */
  start(): void {
    this.a.session.start();
    this.b.session.start();
  }

  stop(): void {
    this.a.session.stop();
    this.b.session.stop();
  }

  dispose(): void {
    this.a.session.dispose();
    this.b.session.dispose();
  }

  /** A problem on either side first, then running until both are done. */
  get phase(): SessionPhase {
    const phases = [this.a.session.phase, this.b.session.phase];
    for (const p of ['failed', 'invalid', 'running', 'stopped'] as const) if (phases.includes(p)) return p;
    return 'done';
  }

  subscribe = (listener: () => void): (() => void) => {
    const offA = this.a.session.subscribe(listener);
    const offB = this.b.session.subscribe(listener);
    return () => {
      offA();
      offB();
    };
  };

  /** Each session's version only grows, so their sum changes whenever either does. */
  getVersion = (): number => this.a.session.version + this.b.session.version;
}
