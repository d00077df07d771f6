import { Suspense, useState } from 'react';
import { INSPECTOR, VIEWS } from './index.ts';
import type { ViewProps } from './types.ts';

/**
 * The views below the charts, as tabs (one open at a time, so only the open one draws), with
 * the inspector beside them.
 */
export function ViewPanel(props: ViewProps) {
  const [openId, setOpenId] = useState(VIEWS[0]?.id ?? '');
  if (VIEWS.length === 0 && !INSPECTOR) return null;
  const open = VIEWS.find((v) => v.id === openId) ?? VIEWS[0];
  const Inspector = INSPECTOR?.component;
  return (
    <div className="views" data-testid="views">
      <div className="views-main">
        <div className="view-tabs" role="tablist" aria-label="Views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              type="button"
              role="tab"
              className={`view-tab${v === open ? ' selected' : ''}`}
              aria-selected={v === open}
              title={v.hint}
              onClick={() => setOpenId(v.id)}
              data-testid={`view-tab-${v.id}`}
            >
              {v.title}
            </button>
          ))}
        </div>
        {open && (
          <div className="view-body" role="tabpanel" data-testid={`view-${open.id}`}>
            <Suspense fallback={<p className="muted">Loading…</p>}>
              <open.component {...props} />
            </Suspense>
          </div>
        )}
      </div>
      {Inspector && (
        <aside className="views-inspector" aria-label="Inspector" data-testid="inspector">
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <Inspector {...props} />
          </Suspense>
        </aside>
      )}
    </div>
  );
}
