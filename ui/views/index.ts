/**
 * The sandbox's view tabs. A view registers here with a title and a lazily loaded component
 * (its code arrives when the tab is first opened, so the first page load stays small); the
 * sandbox draws the tabs from this list and knows nothing else about them.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import type { ViewProps } from './types.ts';

export interface ViewEntry {
  id: string;
  title: string;
  /** One line for the tab's tooltip. */
  hint: string;
  component: LazyExoticComponent<ComponentType<ViewProps>>;
}

/** A view entry whose module (default export: the component) loads on first use. */
export function view(id: string, title: string, hint: string, load: () => Promise<{ default: ComponentType<ViewProps> }>): ViewEntry {
  return { id, title, hint, component: lazy(load) };
}

/** In tab order. One line per view. */
export const VIEWS: ViewEntry[] = [
  view('spacetime', 'Space-time', 'Messages between nodes over the recent past', () => import('./spacetime/SpaceTimeView.tsx')),
  view('log', 'Event log', 'Every trace record up to the cursor, filtered', () => import('./log/EventLogView.tsx')),
  view('transactions', 'Transactions', 'Saga steps and compensations, 2PC phases and blocked time', () => import('./transactions/TransactionsView.tsx')),
  view('hints', 'Design hints', 'What the design risks, read from it before it runs', () => import('./hints/HintsView.tsx')),
];

/** The inspector, drawn beside the tabs: details of the selected node or record. */
export const INSPECTOR: ViewEntry | null = view('inspector', 'Inspector', 'Details of the selected node or message', () => import('./inspector/InspectorView.tsx'));
