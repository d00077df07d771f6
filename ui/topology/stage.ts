/**
 * Where the sandbox puts its charts: in a column beside the topology when the page is wide
 * enough and the topology, narrowed by that column, still draws every box apart and in view
 * (a small system and its charts are seen together without scrolling); below it otherwise (a
 * crowded system keeps the whole width). The user can override either way.
 */
import { useEffect, useState, type RefObject } from 'react';
import type { Layout } from '../layout.ts';
import { fitsApart, fitTransform, heightForRows } from './fit.ts';

/** The charts column (CSS px) and the gap before it; keep in step with `.stage.beside` in styles.css. */
export const CHART_COLUMN_W = 380;
export const STAGE_GAP = 12;
/** The topology's height (CSS px, `.topology` in styles.css), and the most it grows to for a tall layout. */
export const TOPOLOGY_H = 460;
const MAX_TOPOLOGY_H = 600;
/** The zoom a tall layout's rows get room for: boxes keep their size, rows stay apart. */
const TALL_ZOOM = 0.95;
/** Narrower than this, a topology beside the charts is too small to watch whatever it holds. */
const MIN_TOPOLOGY_W = 560;

export type ChartsPlace = 'beside' | 'below';

/**
 * The sandbox topology's height for `layout`: the usual height, or more (to a limit) for a
 * layout of many rows, so its zoom is not held down by height — which would crowd boxes
 * side by side, whose size does not shrink with the zoom.
 */
export function topologyHeightFor(layout: Layout): number {
  return Math.round(Math.max(TOPOLOGY_H, Math.min(MAX_TOPOLOGY_H, heightForRows(layout.nodes, TALL_ZOOM))));
}

/** The topology's width when the charts sit beside it in a stage `stageWidth` wide. */
export function topologyWidthBeside(stageWidth: number): number {
  return stageWidth - CHART_COLUMN_W - STAGE_GAP;
}

/** Whether the stage has room for a charts column at all. */
export function roomBeside(stageWidth: number): boolean {
  return topologyWidthBeside(stageWidth) >= MIN_TOPOLOGY_W;
}

/**
 * Where the charts go by default for this layout in a stage `stageWidth` wide: beside when the
 * narrower topology draws the system as large as the whole width would (a layout its height
 * limits) or still draws every box apart.
 */
export function defaultChartsPlace(layout: Layout, stageWidth: number): ChartsPlace {
  if (!roomBeside(stageWidth)) return 'below';
  const narrow = topologyWidthBeside(stageWidth);
  const height = topologyHeightFor(layout);
  const asLarge = fitTransform(layout.nodes, narrow, height).k >= fitTransform(layout.nodes, stageWidth, height).k - 1e-9;
  return asLarge || drawsApart(layout, narrow, height) ? 'beside' : 'below';
}

/** Whether a topology view `width` × `height` draws `layout` with every box apart and in view. */
export function drawsApart(layout: Layout, width: number, height: number): boolean {
  const boxes = layout.nodes.filter((n) => n.drawnAs === n.index);
  return fitsApart(layout.nodes, width, height, boxes);
}

/** The rendered width of `ref`'s element (CSS px, whole), following resizes. */
export function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.round(el.clientWidth));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}
