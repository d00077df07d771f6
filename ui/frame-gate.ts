/**
 * The decision every animation frame makes before drawing the views of a recording: move the
 * playback clock, then draw only if something changed (the cursor, the player's controls, a
 * view's size or zoom, or the records), and redraw the costly SVG detail (nodes, chart data) at
 * once after an explicit change but only a couple of times a second while the clock plays.
 * Shared by the sandbox (one recording) and the compare view (two recordings on one clock).
 */
import type { Player } from './playback.ts';
import type { TraceStore } from './trace/store.ts';

/** While playing, the SVG parts (nodes, charts) are refreshed this often (wall-clock ms); see Frame.refresh. */
export const DETAIL_MS = 500;

export interface DrawFrame {
  /** Redraw the nodes' SVG detail (and the stats line). */
  detail: boolean;
  /** Redraw the charts' data. */
  charts: boolean;
}

export class FrameGate {
  private lastStores: readonly TraceStore[] = [];
  private lastVersions: number[] = [];
  private lastPlayerVersion = -1;
  private lastExplicit = -1;
  private lastDetail = -Infinity;
  /** The charts' half of a periodic refresh is due this frame. */
  private chartsDue = false;

  /**
   * Advances `player` to wall time `ts` (from requestAnimationFrame), never past `limitUs`.
   * Returns null when nothing needs drawing, else whether this frame redraws the detail too.
   * `dirty`: a view asks to be drawn whatever else happened (it was resized or zoomed).
   */
  next(ts: number, player: Player, limitUs: number, stores: readonly TraceStore[], dirty: boolean): DrawFrame | null {
    const moved = player.tick(ts, limitUs);
    const playerChanged = player.version !== this.lastPlayerVersion;
    const replaced = stores.length !== this.lastStores.length || stores.some((s, i) => s !== this.lastStores[i]);
    const grown = stores.some((s, i) => s.version !== this.lastVersions[i]);
    if (!moved && !dirty && !replaced && !grown && !playerChanged && !this.chartsDue) return null;
    const explicit = !player.playing || player.explicitVersion !== this.lastExplicit || replaced;
    const periodic = !explicit && ts - this.lastDetail >= DETAIL_MS;
    const frame: DrawFrame = { detail: explicit || periodic, charts: explicit || this.chartsDue };
    // While playing, the periodic refresh does the nodes in one frame and the charts in the
    // next: together they overran a frame's budget with 200 nodes (measured: a dozen missed
    // frames in four seconds, none without the refresh).
    this.chartsDue = periodic;
    if (frame.detail) this.lastDetail = ts;
    this.lastExplicit = player.explicitVersion;
    this.lastStores = stores;
    this.lastVersions = stores.map((s) => s.version);
    this.lastPlayerVersion = player.version;
    return frame;
  }
}
