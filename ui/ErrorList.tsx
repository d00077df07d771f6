import type { ScenarioError } from '../sim/scenario/load.ts';

/** Scenario problems as `path: message` lines. Paths and messages are text, never markup. */
export function ErrorList({ errors, testId }: { errors: ScenarioError[]; testId?: string }) {
  return (
    <ul className="error-list" data-testid={testId}>
      {errors.map((e, i) => (
        <li key={i}>
          <code className="error-path">{e.path}</code>: {e.message}
        </li>
      ))}
    </ul>
  );
}
