/**
 * One side of the compare view as drawn: the sandbox's topology (TopologyView) and charts
 * (ChartsView) for that side's recording. The compare view's single frame loop draws both
 * panes at the same cursor; a pane has no clock of its own.
 */
import type { Scenario } from '../../sim/scenario/schema.ts';
import { ChartsView, type ChartSpec } from '../charts/view.ts';
import type { Layout } from '../layout.ts';
import { policyParams, type ParamLookup } from '../patterns/params.ts';
import { TopologyView } from '../topology/view.ts';
import type { TraceStore } from '../trace/store.ts';

export interface PaneElements {
  topology: HTMLDivElement;
  /** One per chart drawn, in order, with its cursor overlay. */
  chartSvgs: SVGSVGElement[];
  chartCursors: HTMLDivElement[];
}

/** No interventions in a comparison: a click on a node does nothing. */
const ignoreClick = () => {};

export class ComparePane {
  private readonly topology: TopologyView;
  private readonly charts: ChartsView;
  private readonly param: ParamLookup;
  private readonly observer: ResizeObserver;

  /** `endUs`: the common clock's end, so both sides' charts share one time axis. */
  constructor(
    private readonly elements: PaneElements,
    layout: Layout,
    scenario: Scenario,
    charts: readonly ChartSpec[],
    endUs: number,
  ) {
    this.topology = new TopologyView(elements.topology, layout, ignoreClick);
    this.charts = new ChartsView(charts, elements.chartSvgs, elements.chartCursors, endUs);
    this.param = policyParams(scenario);
    this.resize();
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(elements.topology);
    if (elements.chartSvgs.length > 0) this.observer.observe(elements.chartSvgs[0]);
  }

  /** Zoom or size changed: draw even if the cursor did not move. */
  get dirty(): boolean {
    return this.topology.dirty;
  }

  fit(): void {
    this.topology.fit();
  }

  /** `yAtLeast`: per chart, the other side's maximum too, so both sides share a scale. */
  draw(store: TraceStore, cursorUs: number, usPerWallMs: number, detail: boolean, yAtLeast?: readonly number[]): void {
    this.topology.draw({ store, cursorUs, usPerWallMs, param: this.param, refresh: detail ? 'all' : 'urgent' });
    this.charts.draw({ store, cursorUs, detail, interventionsUs: [], yAtLeast });
  }

  destroy(): void {
    this.observer.disconnect();
    this.topology.destroy();
  }

  private resize(): void {
    const box = this.elements.topology;
    this.topology.resize(box.clientWidth, box.clientHeight);
    if (this.elements.chartSvgs.length > 0) this.charts.resize(this.elements.chartSvgs[0].clientWidth);
    this.topology.dirty = true;
  }
}
