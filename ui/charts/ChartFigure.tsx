import type { ChartSpec } from './view.ts';

interface Props {
  chart: ChartSpec;
  /** Extra words for the chart's accessible name ("side A"). */
  labelSuffix?: string;
  /** `data-testid` of the SVG; the cursor gets `cursor-…` when `cursorTestId` is given. */
  testId: string;
  cursorTestId?: string;
  className?: string;
  svgRef: (el: SVGSVGElement | null) => void;
  cursorRef: (el: HTMLDivElement | null) => void;
}

/**
 * One chart's frame: title, unit and legend as text, the SVG that ChartsView draws into, and
 * the cursor line it moves. Shared by the sandbox and the compare mode.
 */
export function ChartFigure({ chart, labelSuffix, testId, cursorTestId, className, svgRef, cursorRef }: Props) {
  return (
    <figure className={`chart small${className ? ` ${className}` : ''}`}>
      <figcaption>
        <span className="chart-title">
          {chart.title} <span className="muted">({chart.unit})</span>
        </span>
        <span className="legend">
          {chart.lines.map((l) => (
            <span key={l.name} className={`legend-item ${l.className}`}>
              <span className="swatch" aria-hidden="true" style={l.color ? { background: l.color } : undefined} />
              {l.name}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="chart-plot">
        <svg ref={svgRef} role="img" aria-label={`${chart.title} over simulated time${labelSuffix ? `, ${labelSuffix}` : ''}`} data-testid={testId} />
        <div className="chart-cursor" aria-hidden="true" data-testid={cursorTestId} ref={cursorRef} />
      </div>
    </figure>
  );
}
