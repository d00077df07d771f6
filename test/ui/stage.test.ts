/**
 * Where the sandbox puts its charts (ui/topology/stage.ts) and how the topology fits its nodes
 * (ui/topology/fit.ts): beside a small system on a wide page, below a crowded one or on a
 * narrow page, never so that boxes draw over each other.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../ui/layout.ts';
import { boxesClearAt, CLEAR_DX, fitsApart, fitTransform, MIN_ZOOM } from '../../ui/topology/fit.ts';
import { CHART_COLUMN_W, defaultChartsPlace, drawsApart, roomBeside, topologyHeightFor, topologyWidthBeside } from '../../ui/topology/stage.ts';
import { builtIn } from '../helpers.ts';

/** The sandbox's stage at 1440×900 and 1280×720 (the page less the gallery and margins), CSS px. */
const STAGE_1440 = 1080;
const STAGE_1280 = 920;

describe('fitting the topology', () => {
  it('centres the nodes and zooms to the room left after a box and its badges', () => {
    const row = [
      { x: 0, y: 0 },
      { x: 380, y: 0 },
      { x: 760, y: 0 },
    ];
    const wide = fitTransform(row, 2000, 460);
    expect(wide.k).toBe(1.1); // never zooms in further than this
    expect(wide.tx + wide.k * 380).toBeCloseTo(1000);
    const narrow = fitTransform(row, 700, 460);
    expect(narrow.k).toBeCloseTo((700 - 2 * 104) / 760);
    expect(fitTransform(row, 100, 460).k).toBe(MIN_ZOOM);
  });

  it('boxes side by side are apart while their distance on screen is a box and a gap', () => {
    const pair = [
      { x: 0, y: 0 },
      { x: 200, y: 0 },
    ];
    expect(boxesClearAt(pair, 1)).toBe(true);
    expect(boxesClearAt(pair, CLEAR_DX / 200)).toBe(true);
    expect(boxesClearAt(pair, CLEAR_DX / 200 - 0.01)).toBe(false);
    // One row apart is clear however narrow: only boxes close both ways clash.
    expect(boxesClearAt([{ x: 0, y: 0 }, { x: 0, y: 400 }], 0.5)).toBe(true);
    // Zoomed in, boxes keep their size and distances grow.
    expect(boxesClearAt(pair, 3)).toBe(true);
  });

  it('a layout that fit can only show at the least zoom does not fit apart', () => {
    const long = Array.from({ length: 20 }, (_, i) => ({ x: i * 1000, y: 0 }));
    expect(fitsApart(long, 600, 460)).toBe(false);
    expect(fitsApart(long.slice(0, 2), 600, 460)).toBe(true);
  });
});

describe('where the charts go', () => {
  it('beside a small system at 1440×900, below it at 1280×720 (no room for a column)', () => {
    const layout = computeLayout(builtIn('resilience/cascading-failure.json'));
    expect(defaultChartsPlace(layout, STAGE_1440)).toBe('beside');
    expect(roomBeside(STAGE_1280)).toBe(false);
    expect(defaultChartsPlace(layout, STAGE_1280)).toBe('below');
  });

  it('below a system too crowded for the narrower topology', () => {
    const layout = computeLayout(builtIn('resilience/outlier-detection.json'));
    expect(drawsApart(layout, STAGE_1440, topologyHeightFor(layout))).toBe(true);
    expect(defaultChartsPlace(layout, STAGE_1440)).toBe('below');
  });

  it('a tall layout gets a taller topology, so its ten hosts stay apart even at 1280×720', () => {
    const outliers = computeLayout(builtIn('resilience/outlier-detection.json'));
    const height = topologyHeightFor(outliers);
    expect(height).toBeGreaterThan(460);
    expect(height).toBeLessThanOrEqual(600);
    expect(drawsApart(outliers, STAGE_1280, 460)).toBe(false);
    expect(drawsApart(outliers, STAGE_1280, height)).toBe(true);
    // A row of three keeps the usual height.
    expect(topologyHeightFor(computeLayout(builtIn('resilience/cascading-failure.json')))).toBe(460);
  });

  it('beside a system whose height limits its zoom: the narrower topology draws it as large', () => {
    const layout = computeLayout(builtIn('transactions/saga-completes.json'));
    const boxes = layout.nodes.filter((n) => n.drawnAs === n.index);
    // Four rows are crowded at the usual height whatever the width …
    expect(fitsApart(layout.nodes, STAGE_1440, 460, boxes)).toBe(false);
    // … so a column of charts beside costs nothing.
    expect(defaultChartsPlace(layout, STAGE_1440)).toBe('beside');
  });

  it('the topology beside the charts keeps the rest of the stage', () => {
    expect(topologyWidthBeside(STAGE_1440)).toBe(STAGE_1440 - CHART_COLUMN_W - 12);
  });
});
