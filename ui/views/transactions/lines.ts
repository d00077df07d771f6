/**
 * The transaction timeline's lines: one per saga, and per two-phase commit a line for its
 * coordinator followed by one per participant (in the scenario's order, including participants
 * that have not written anything yet, so a PREPARE that never arrived shows as an empty line).
 * Pure: (transactions, cursor, topology) → lines the SVG draws top to bottom.
 */
import { blockedAt, lanesAt, type Lane, type Transaction } from './extract.ts';
import type { TransactionTopology } from './describe.ts';

/** Participants drawn per transaction; more are summed up in one line. */
export const MAX_PARTICIPANT_LINES = 8;

export interface Line {
  txn: Transaction;
  /** First line of its transaction (the saga, or the 2PC coordinator). */
  head: boolean;
  /** The lane drawn, or null (a participant not heard from by the cursor; a summary line). */
  lane: Lane | null;
  /** Text of the label column. */
  name: string;
  /** The node a click selects (-1: none). */
  node: number;
  /** Participant: blocked time by the cursor (µs) and whether it still is. */
  blockedUs: number;
  blockedOngoing: boolean;
}

export function buildLines(rows: readonly Transaction[], cursorUs: number, topo: TransactionTopology, nodeNames: readonly string[], nodeIndex: ReadonlyMap<string, number>): Line[] {
  const lines: Line[] = [];
  for (const txn of rows) {
    const lanes = lanesAt(txn, cursorUs);
    if (txn.protocol === 'saga') {
      const ownerNode = nodeIndex.get(txn.owner) ?? -1;
      const orchestrated = topo.style.get(txn.owner) !== 'choreographed';
      lines.push(line(txn, true, lanes[0] ?? null, txn.id, orchestrated && ownerNode >= 0 ? ownerNode : (lanes[0]?.node ?? -1), cursorUs));
      continue;
    }
    const coordinator = lanes.find((l) => l.role === 'coordinator') ?? null;
    lines.push(line(txn, true, coordinator, txn.id, nodeIndex.get(txn.owner) ?? -1, cursorUs));
    const participants = participantLanes(txn, lanes, topo, nodeNames, nodeIndex);
    participants.slice(0, MAX_PARTICIPANT_LINES).forEach(({ name, lane, node }) => lines.push(line(txn, false, lane, name, node, cursorUs)));
    const more = participants.length - MAX_PARTICIPANT_LINES;
    if (more > 0) lines.push(line(txn, false, null, `+${more} more participants`, -1, cursorUs));
  }
  return lines;
}

function line(txn: Transaction, head: boolean, lane: Lane | null, name: string, node: number, cursorUs: number): Line {
  const blocked = lane !== null && lane.role === 'participant' ? blockedAt(lane, cursorUs) : { us: 0, ongoing: false };
  return { txn, head, lane, name, node, blockedUs: blocked.us, blockedOngoing: blocked.ongoing };
}

/** The scenario's participants first (heard from or not), then any other node that wrote a record. */
function participantLanes(txn: Transaction, lanes: readonly Lane[], topo: TransactionTopology, nodeNames: readonly string[], nodeIndex: ReadonlyMap<string, number>) {
  const byNode = new Map(lanes.filter((l) => l.role === 'participant').map((l) => [l.node, l]));
  const out: { name: string; lane: Lane | null; node: number }[] = [];
  for (const name of topo.participants.get(txn.owner) ?? []) {
    const node = nodeIndex.get(name) ?? -1;
    out.push({ name, lane: byNode.get(node) ?? null, node });
    byNode.delete(node);
  }
  for (const [node, lane] of byNode) out.push({ name: nodeNames[node] ?? '?', lane, node });
  return out;
}
