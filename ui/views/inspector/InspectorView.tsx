/**
 * The inspector, beside the view tabs: details of what is selected, at the playback cursor.
 * A node: its status, pattern state, queue and workers, active faults, traffic so far and its
 * configuration. A record: its fields and, for a message, the whole flight from send to
 * delivery or drop, with links to the other end. Everything is read from the trace store.
 */
import type { ReactNode } from 'react';
import { formatNumber, formatSimTime } from '../../format.ts';
import type { Player } from '../../playback.ts';
import { describeFault } from '../../topology/view.ts';
import type { TraceStore } from '../../trace/store.ts';
import { flight, flightOfRecord, flightsOfMessage, type Flight } from '../log/flight.ts';
import { messageLife, messageOfRecord } from './message-life.ts';
import { describeRecord, recordFields, recordKind, recordNode } from '../log/records.ts';
import { useCursor, type Selection, type ViewProps } from '../types.ts';
import { configLines, trafficOf } from './facts.ts';
import '../log/link.css';
import './inspector.css';

export default function InspectorView(props: ViewProps) {
  const cursorUs = useCursor(props.player, props.session);
  const { selection, store } = props;
  if (selection?.kind === 'node' && selection.node >= 0 && selection.node < props.layout.nodes.length) {
    return <NodeDetails {...props} node={selection.node} cursorUs={cursorUs} />;
  }
  if (selection?.kind === 'record') {
    if (selection.index >= 0 && selection.index < store.count) return <RecordDetails {...props} index={selection.index} cursorUs={cursorUs} />;
    return (
      <div className="inspector" data-testid="inspector-gone">
        <h3>Inspector</h3>
        <p className="muted">The selected record is no longer in the recording: the run branched before it.</p>
      </div>
    );
  }
  return (
    <div className="inspector" data-testid="inspector-empty">
      <h3>Inspector</h3>
      <p className="muted">Click a node in the topology, or a message in the event log, to see its details here at the playback cursor.</p>
    </div>
  );
}

// ---- a node -----------------------------------------------------------------------------

function NodeDetails({ store, scenario, layout, node, cursorUs }: ViewProps & { node: number; cursorUs: number }) {
  const info = layout.nodes[node];
  const limit = store.upperBound(Math.floor(cursorUs));
  const state = store.fold.at(limit);
  const status = store.strings[state.status[node]] || 'up';
  const queue = state.queue[node];
  const busy = state.busy[node];
  const patternState = [...(state.states[node] ?? new Map<number, number>())]
    .map(([key, value]) => ({ key: store.strings[key], value: store.strings[value], since: state.changed[node]?.get(key) ?? 0 }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const faults = [...(state.faults[node]?.values() ?? [])];
  const traffic = trafficOf(store, node, limit);
  const config = configLines(scenario, info.id);
  return (
    <div className="inspector" data-testid="inspector-node" data-node={info.id}>
      <h3 className="insp-title">{info.label}</h3>
      <p className="insp-sub muted">
        {info.label !== info.id && <>{info.id} · </>}
        {info.kind} · at {formatSimTime(cursorUs)}
      </p>
      <dl className="insp-facts">
        <dt>status</dt>
        <dd>
          <span className={`insp-status status-${status}`} data-testid="inspector-status">
            {status.toUpperCase()}
          </span>
        </dd>
        {info.workers > 0 && (
          <>
            <dt>workers</dt>
            <dd data-testid="inspector-workers">
              {busy}/{info.workers} busy
            </dd>
            <dt>queue</dt>
            <dd data-testid="inspector-queue">
              {queue}
              {info.queueCapacity !== null ? ` of ${info.queueCapacity}` : ''} waiting
            </dd>
          </>
        )}
        <dt>sent</dt>
        <dd data-testid="inspector-sent">{formatNumber(traffic.sent)}</dd>
        <dt>received</dt>
        <dd data-testid="inspector-received">{formatNumber(traffic.received)}</dd>
        <dt>dropped</dt>
        <dd data-testid="inspector-dropped">
          {formatNumber(traffic.droppedSent)} of its sends · {formatNumber(traffic.droppedTo)} sent to it
        </dd>
      </dl>
      {faults.length > 0 && (
        <Section title="Active faults">
          <ul className="insp-list" data-testid="inspector-faults">
            {faults.map((f, i) => (
              <li key={i}>
                {describeFault(f)} <span className="muted">since {formatSimTime(f.since)}</span>
              </li>
            ))}
          </ul>
        </Section>
      )}
      {patternState.length > 0 && (
        <Section title="Pattern state">
          <ul className="insp-list" data-testid="inspector-state">
            {patternState.map((s) => (
              <li key={s.key}>
                <code>{s.key}</code> = <strong>{s.value}</strong> <span className="muted">since {formatSimTime(s.since)}</span>
              </li>
            ))}
          </ul>
        </Section>
      )}
      {config.length > 0 && (
        <Section title="Configuration">
          <pre className="insp-config" data-testid="inspector-config">
            {config.join('\n')}
          </pre>
        </Section>
      )}
    </div>
  );
}

// ---- a record ---------------------------------------------------------------------------

function RecordDetails({ store, player, onSelect, index, cursorUs }: ViewProps & { index: number; cursorUs: number }) {
  const kind = recordKind(store, index);
  const t = store.t[index];
  const nodeIndex = store.nodeOf(index);
  const message = flightOfRecord(store, index);
  return (
    <div className="inspector" data-testid="inspector-record" data-index={index} data-kind={kind}>
      <h3 className="insp-title">
        {kind} <span className="muted">at</span> {formatSimTime(t)}
      </h3>
      <p className="insp-sub">
        {nodeIndex >= 0 ? <NodeLink store={store} node={nodeIndex} onSelect={onSelect} /> : <span className="muted">no node</span>}
        {' · '}
        <button type="button" className="view-link" onClick={() => player.seek(t)} data-testid="inspector-goto">
          go to this time
        </button>
      </p>
      <p className="insp-line" data-testid="inspector-line">
        {describeRecord(store, index) || recordNode(store, index)}
      </p>
      <dl className="insp-facts">
        {recordFields(store, index).map(([name, value]) => (
          <Fact key={name} name={name}>
            {typeof value === 'number' ? String(value) : value || '—'}
          </Fact>
        ))}
      </dl>
      {message && <FlightDetails store={store} player={player} onSelect={onSelect} flight={message} record={index} cursorUs={cursorUs} />}
      <MessageLife store={store} onSelect={onSelect} id={messageOfRecord(store, index) ?? message?.msg ?? null} record={index} cursorUs={cursorUs} />
    </div>
  );
}

/** A queued, published or logged message's whole life (message-life.ts), each step selectable. */
function MessageLife({ store, onSelect, id, record, cursorUs }: { store: TraceStore; onSelect: (s: Selection) => void; id: number | null; record: number; cursorUs: number }) {
  if (id === null) return null;
  const life = messageLife(store, id);
  if (life.length === 0) return null;
  const call = store.code('call');
  const layer = store.field(call, 'layer');
  const event = store.field(call, 'event');
  return (
    <Section title={`Message #${id}: its life`}>
      <ol className="insp-list" data-testid="inspector-message-life">
        {life.map((i) => (
          <li key={i} className={store.t[i] > cursorUs ? 'muted' : undefined}>
            <EndLink label={formatSimTime(store.t[i])} record={i} current={record} onSelect={onSelect} /> {store.strings[store.node[i]]}: <strong>{store.str(i, event)}</strong>{' '}
            <span className="muted">({store.str(i, layer)})</span>
          </li>
        ))}
      </ol>
    </Section>
  );
}

interface FlightProps {
  store: TraceStore;
  player: Player;
  onSelect: (s: Selection) => void;
  flight: Flight;
  /** The selected record (one end of the flight). */
  record: number;
  cursorUs: number;
}

function FlightDetails({ store, player, onSelect, flight: f, record, cursorUs }: FlightProps) {
  const parentSend = f.parent >= 0 ? flightsOfMessage(store, f.parent)[0] : undefined;
  const ended = f.endUs !== null;
  return (
    <Section title="Message flight">
      <dl className="insp-facts" data-testid="inspector-flight" data-end={f.end}>
        <Fact name="message">
          {f.type || 'message'} #{f.msg}
          {f.duplicate ? ' (a copy the network duplicated)' : ''}
        </Fact>
        <Fact name="route">
          <NodeLink store={store} node={f.from} onSelect={onSelect} /> → <NodeLink store={store} node={f.to} onSelect={onSelect} />
        </Fact>
        <Fact name="sent">
          <EndLink label={formatSimTime(f.sentUs)} record={f.sendRecord} current={record} onSelect={onSelect} />{' '}
          <SeekLink player={player} us={f.sentUs} />
        </Fact>
        <Fact name={f.end === 'open' ? 'end' : f.end}>
          {ended ? (
            <span data-testid="inspector-flight-end">
              <EndLink label={formatSimTime(f.endUs!)} record={f.endRecord} current={record} onSelect={onSelect} />
              {f.end === 'dropped' && <strong className="insp-reason">: {f.reason || 'dropped'}</strong>} <SeekLink player={player} us={f.endUs!} />
            </span>
          ) : (
            <span className="muted">still in flight when the recording ends</span>
          )}
        </Fact>
        {ended && <Fact name="flight time">{formatSimTime(f.endUs! - f.sentUs)}</Fact>}
        <Fact name="at the cursor">{flightPhase(f, cursorUs)}</Fact>
        {parentSend !== undefined && (
          <Fact name="for">
            <button type="button" className="view-link" onClick={() => onSelect({ kind: 'record', index: flight(store, parentSend).sendRecord })}>
              {store.strings[store.messages.type.a[parentSend]] || 'message'} #{f.parent}
            </button>
          </Fact>
        )}
      </dl>
    </Section>
  );
}

function flightPhase(f: Flight, cursorUs: number): string {
  if (cursorUs < f.sentUs) return 'not sent yet';
  if (f.endUs === null || cursorUs < f.endUs) return 'in flight';
  return f.end;
}

// ---- small parts ------------------------------------------------------------------------

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="insp-section">
      <h4>{title}</h4>
      {children}
    </section>
  );
}

function Fact({ name, children }: { name: string; children: ReactNode }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </>
  );
}

function NodeLink({ store, node, onSelect }: { store: TraceStore; node: number; onSelect: (s: Selection) => void }) {
  const name = store.setup.nodeNames[node];
  if (name === undefined) return <span className="muted">—</span>;
  return (
    <button type="button" className="view-link" onClick={() => onSelect({ kind: 'node', node })} data-testid="inspector-node-link">
      {name}
    </button>
  );
}

/** A time that selects the record at that end of the flight (plain text when it is the selected one). */
function EndLink({ label, record, current, onSelect }: { label: string; record: number; current: number; onSelect: (s: Selection) => void }) {
  if (record < 0 || record === current) return <span>{label}</span>;
  return (
    <button type="button" className="view-link" onClick={() => onSelect({ kind: 'record', index: record })} title="Select this end of the flight" data-testid="inspector-other-end">
      {label}
    </button>
  );
}

function SeekLink({ player, us }: { player: Player; us: number }) {
  return (
    <button type="button" className="view-link insp-seek" onClick={() => player.seek(us)} title="Move the playback cursor here">
      go to
    </button>
  );
}
