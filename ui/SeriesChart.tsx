import { axisBottom, axisLeft, line, max, scaleLinear, select } from 'd3';
import { runTimeUnit } from './format.ts';
import { useEffect, useRef } from 'react';

export interface ChartLine {
  label: string;
  /** Count per window. */
  counts: number[];
  className: string;
}

interface Props {
  title: string;
  windowMs: number;
  lines: ChartLine[];
  /** Simulated time the run covered, so the x axis spans the whole run. */
  durationMs: number;
}

const WIDTH = 720;
const HEIGHT = 240;
const MARGIN = { top: 12, right: 16, bottom: 40, left: 56 };

/**
 * Counts per window of simulated time, drawn as rates per second. d3 makes the scales, axes
 * and paths; React owns the element. Labels are set with .text(), never as markup.
 */
export function SeriesChart({ title, windowMs, lines, durationMs }: Props) {
  const ref = useRef<SVGSVGElement>(null);

  useEffect(() => {
    const svg = ref.current;
    if (!svg) return;
    const root = select(svg);
    root.selectAll('*').remove();

    const perSec = 1000 / windowMs;
    const endSec = Math.max(durationMs / 1000, (windowMs / 1000) * Math.max(0, ...lines.map((l) => l.counts.length)));
    // The time axis reads in the unit the sandbox's charts and clock use for this run (hours for M/M/1).
    const unit = runTimeUnit(durationMs * 1000);
    const unitSec = unit.us / 1e6;
    const x = scaleLinear()
      .domain([0, endSec / unitSec])
      .range([MARGIN.left, WIDTH - MARGIN.right]);
    const yMax = max(lines, (l) => max(l.counts)) ?? 0;
    const y = scaleLinear()
      .domain([0, Math.max(1, yMax * perSec)])
      .nice()
      .range([HEIGHT - MARGIN.bottom, MARGIN.top]);

    root
      .append('g')
      .attr('class', 'grid')
      .attr('transform', `translate(${MARGIN.left},0)`)
      .call(axisLeft(y).ticks(5).tickSize(-(WIDTH - MARGIN.left - MARGIN.right)).tickFormat(() => ''));
    root
      .append('g')
      .attr('class', 'axis')
      .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
      .call(axisBottom(x).ticks(8));
    root.append('g').attr('class', 'axis').attr('transform', `translate(${MARGIN.left},0)`).call(axisLeft(y).ticks(5));
    root
      .append('text')
      .attr('class', 'axis-label')
      .attr('x', (MARGIN.left + WIDTH - MARGIN.right) / 2)
      .attr('y', HEIGHT - 6)
      .attr('text-anchor', 'middle')
      .text(`simulated time (${unit.name})`);
    root
      .append('text')
      .attr('class', 'axis-label')
      .attr('transform', `translate(14,${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)`)
      .attr('text-anchor', 'middle')
      .text('per second');

    // Each window's rate is drawn at the window's midpoint.
    const path = line<number>()
      .x((_, i) => x(((i + 0.5) * windowMs) / 1000 / unitSec))
      .y((c) => y(c * perSec));
    for (const l of lines) {
      root.append('path').attr('class', `series ${l.className}`).attr('d', path(l.counts) ?? '');
    }
  }, [windowMs, lines, durationMs]);

  return (
    <figure className="chart">
      <figcaption>
        <span className="chart-title">{title}</span>
        <span className="legend">
          {lines.map((l) => (
            <span key={l.label} className={`legend-item ${l.className}`}>
              <span className="swatch" aria-hidden="true" />
              {l.label}
            </span>
          ))}
        </span>
      </figcaption>
      <svg ref={ref} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title} data-testid="series-chart" />
    </figure>
  );
}
