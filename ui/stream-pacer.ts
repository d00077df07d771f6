/**
 * Backpressure between the simulation worker and the page (see worker.ts and session.ts): the
 * worker streams records and may run at most `ahead` records beyond those the page has said it
 * appended; then it waits until the page catches up.
 */
export class StreamPacer {
  private streamed = 0;
  private appended = 0;
  private wake: (() => void) | null = null;

  /** `ahead`: Infinity never waits (a run that streams nothing, a challenge's grading). */
  constructor(private readonly ahead: number) {}

  /** The worker posted `records` more records. */
  sent(records: number): void {
    this.streamed += records;
  }

  /** The page appended `records` more records. */
  ingested(records: number): void {
    this.appended += records;
    this.wake?.();
  }

  /** The worker is more than `ahead` records ahead of the page. */
  get behind(): boolean {
    return this.streamed - this.appended > this.ahead;
  }

  /** Resolves once the page is within `ahead` records of the worker. */
  async caughtUp(): Promise<void> {
    while (this.behind) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
  }
}
