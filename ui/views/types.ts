/**
 * The contract between the sandbox and its views (space-time diagram, transaction timeline,
 * event log, inspector…). A view is a function of the recorded trace and the playback cursor:
 * it reads `store` at `player.cursorUs` and never talks to the engine or the worker. Views are
 * loaded on demand (React.lazy, see index.ts), so each stays out of the first page load.
 */
import { useSyncExternalStore } from 'react';
import type { Scenario } from '../../sim/scenario/schema.ts';
import type { Layout } from '../layout.ts';
import type { Player } from '../playback.ts';
import type { Session } from '../session.ts';
import type { TraceStore } from '../trace/store.ts';

/** What the inspector shows: a node, or one trace record (a message's send, a fault…). */
export type Selection = { kind: 'node'; node: number } | { kind: 'record'; index: number } | null;

export interface ViewProps {
  store: TraceStore;
  player: Player;
  layout: Layout;
  scenario: Scenario;
  /** Null before the first run. */
  session: Session | null;
  selection: Selection;
  onSelect: (selection: Selection) => void;
}

const noSubscribe = () => () => {};
const zero = () => 0;

/**
 * Re-renders the calling component when the cursor moves (a few times a second while playing,
 * see Player) or records arrive (as often as the session notifies), and returns the cursor.
 * Views drawn on a canvas every frame run their own requestAnimationFrame loop instead.
 */
export function useCursor(player: Player, session: Session | null): number {
  useSyncExternalStore(player.subscribe, player.getVersion);
  useSyncExternalStore(session?.subscribe ?? noSubscribe, session?.getVersion ?? zero);
  return player.cursorUs;
}
