/**
 * A progress bar with an ETA, for terminals only: the sweep draws it on stderr when stderr
 * is a TTY and stays quiet when piped. Redrawn at most ten times a second.
 */
export class ProgressBar {
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly total: number,
    private readonly write: (text: string) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly width = 28,
  ) {
    this.started = now();
  }

  update(done: number, failed: number): void {
    const t = this.now();
    if (done < this.total && t - this.lastDraw < 100) return;
    this.lastDraw = t;
    this.drawn = true;
    this.write(`\r\x1b[2K${this.line(done, failed, t)}`);
  }

  /** The bar's text at time t (ms). */
  line(done: number, failed: number, t: number): string {
    const fraction = this.total === 0 ? 1 : done / this.total;
    const filled = Math.round(fraction * this.width);
    const elapsed = (t - this.started) / 1000;
    const eta = done === 0 ? '…' : formatEta((elapsed / done) * (this.total - done));
    return `  [${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}] ${done}/${this.total} seeds · ${Math.floor(fraction * 100)}%${failed > 0 ? ` · ${failed} failed` : ''} · ${formatEta(elapsed)} elapsed · ETA ${eta}`;
  }

  /** Clears the bar. */
  finish(): void {
    if (this.drawn) this.write('\r\x1b[2K');
  }
}

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
