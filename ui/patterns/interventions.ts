/**
 * Interventions a node kind adds to the node menu beyond the generic ones (crash, pause, slow…):
 * each a small form whose values make a fault of a type the kind takes (NODE_KIND_FAULTS). A
 * kind registers here; the node menu draws whatever is listed for the clicked node's kind.
 */
import type { FaultAction } from '../../sim/faults/faults.ts';

export interface InterventionField {
  key: string;
  label: string;
  /** The unit shown after the input, or ''. */
  unit: string;
  value: number;
  min: number;
  max: number;
  /** Whole numbers only. */
  integer: boolean;
}

export interface KindIntervention {
  id: string;
  /** The menu item's label (it opens the form). */
  label: string;
  /** One line under the form: what applying it does. */
  help: string;
  fields: InterventionField[];
  /** Node statuses in which it is offered. */
  when: readonly string[];
  /** The fault the form's values make. */
  action(node: string, values: Readonly<Record<string, number>>): FaultAction;
}

/** A mesh's common knobs: the outbound retry (attempts in all, 1 = none) and a per-try timeout (0 = none). */
const PUSH_MESH_CONFIG: KindIntervention = {
  id: 'mesh-config',
  label: 'Push config…',
  help: 'A new version for every sidecar, pushed one after another (a mesh-config fault at the cursor).',
  fields: [
    { key: 'attempts', label: 'retry attempts', unit: '', value: 3, min: 1, max: 10, integer: true },
    { key: 'timeoutMs', label: 'timeout per try', unit: 'ms (0: none)', value: 0, min: 0, max: 600_000, integer: false },
  ],
  // Down, it is still accepted: the configuration store keeps it for when the control plane is back.
  when: ['up', 'crashed', 'paused'],
  action: (node, v) => ({
    type: 'mesh-config',
    node,
    outbound: [
      ...(v.attempts > 1 ? [{ type: 'retry' as const, maxAttempts: Math.round(v.attempts), backoff: 'constant' as const, baseMs: 0 }] : []),
      ...(v.timeoutMs > 0 ? [{ type: 'timeout' as const, timeoutMs: v.timeoutMs }] : []),
    ],
  }),
};

export const KIND_INTERVENTIONS: Partial<Record<string, KindIntervention[]>> = {
  'mesh-control-plane': [PUSH_MESH_CONFIG],
};
