/**
 * The topology, drawn from the recorded trace at the playback cursor: nodes (SVG) coloured by
 * health with their load and pattern badges, and on a canvas underneath, the links, the
 * messages in flight (positions interpolated by the playback clock) and drops flashing with
 * their reason. d3-zoom pans and zooms both layers together. Every text is set as text.
 */
import { pointer, select, zoom, zoomIdentity, type Selection, type ZoomBehavior, type ZoomTransform } from 'd3';
import { sizeCanvas } from '../canvas.ts';
import { formatNumber } from '../format.ts';
import { typeColors } from '../trace/colors.ts';
import type { Layout, LayoutNode } from '../layout.ts';
import { nodeStateEntries, renderContext } from '../patterns/node-state.ts';
import { renderState, type Badge, type RenderContext } from '../patterns/registry.ts';
import type { ActiveFault, FoldState } from '../trace/fold.ts';
import { DROPPED, OPEN } from '../trace/messages.ts';
import type { TraceStore } from '../trace/store.ts';
import { BADGE_H, fitTransform, MIN_ZOOM, NODE_H, NODE_W } from './fit.ts';
import { labelText, nodeBox, placeDropLabels, type Box, type DropLabel } from './labels.ts';
import { bandPath, cumulativeLengths, exitDistance, isBent, pointAlong, reversed, routeLinks, traceRoute, type Point, type Route } from './routing.ts';
import { memberSpread } from './spread.ts';

/** Room inside a badge row at each end, and between its label and its value, layout units. */
const BADGE_PAD = 5;
const BADGE_GAP = 6;
const MAX_BADGES = 6;
/** A message is drawn for at least this long (wall-clock), so fast networks stay visible. */
export const MIN_VISIBLE_WALL_MS = 300;
/** A drop flashes this long (wall-clock). */
const FLASH_WALL_MS = 700;
const MAX_DOTS = 6000;
const MAX_FLASHES = 300;
const MAX_FLASH_LABELS = 12;
/** Perpendicular offset of each direction's lane, layout units. */
const LANE = 5;
/**
 * Links are routed for node scales in steps of this ratio (rounded up): zooming out grows the
 * boxes in layout units, and the routes are found again only when a step is crossed.
 */
const ROUTE_SCALE_STEP = 1.1;
/** Width of a link's clickable band, layout units. */
const LINK_HIT_W = 18;

const COLORS = {
  link: '#c9d1dc',
  drop: '#c62828',
};

export interface Frame {
  store: TraceStore;
  cursorUs: number;
  /** Simulated µs per wall ms. */
  usPerWallMs: number;
  /** Layer name → policy parameters, for badge scales. */
  param: RenderContext['param'];
  /**
   * How much of the nodes (SVG) to redraw besides the messages (canvas). In software
   * rendering, changing the SVG in a frame that also redraws the canvas costs more than a
   * frame, so while playing the nodes are refreshed a couple of times a second ('all') and in
   * between only for what must show at once ('urgent': a node's health, a badge changing its
   * state, such as a breaker opening); a seek or a pause refreshes everything.
   */
  refresh: 'all' | 'urgent';
}

export interface TopologyStats {
  inFlight: number;
  drawn: number;
  drops: number;
}

interface NodeView {
  node: LayoutNode;
  g: Selection<SVGGElement, unknown, null, undefined>;
  sub: Selection<SVGTextElement, unknown, null, undefined>;
  busyBar: Selection<SVGRectElement, unknown, null, undefined> | null;
  queueBar: Selection<SVGRectElement, unknown, null, undefined> | null;
  badges: Selection<SVGGElement, unknown, null, undefined>;
  /** What was drawn last, to touch the DOM only on change. */
  lastStatus: string;
  lastSub: string;
  lastBusy: number;
  lastQueue: number;
  lastBadges: string;
  lastUrgent: string;
  /** The most badge rows drawn under the box so far: what links are routed around (see `routes`). */
  badgeRows: number;
}

export class TopologyView {
  readonly canvas: HTMLCanvasElement;
  readonly svg: SVGSVGElement;
  private readonly viewport: Selection<SVGGElement, unknown, null, undefined>;
  /** The boxes drawn: every node's, but one for all the members of a big group. */
  private readonly views: NodeView[] = [];
  /** Node index → the box that draws it (a big group's members share theirs). */
  private readonly viewAt: NodeView[] = [];
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private transform: ZoomTransform = zoomIdentity;
  private width = 0;
  private height = 0;
  private dpr = 1;
  private userZoomed = false;
  /**
   * How much nodes (and drop labels) are scaled up in layout units so that, zoomed out, they
   * keep their size on screen while the distances between them shrink: 1/k below zoom 1, else 1.
   * Their text then never drops under 11 px however big the topology is.
   */
  private nodeScale = 1;
  private selected: number | null = null;
  /** Each link's hit area (an invisible band along it), by `fromId|toId`. */
  private readonly linkHits = new Map<string, Selection<SVGGraphicsElement, unknown, null, undefined>>();
  /**
   * Each link's route around the other nodes' boxes (routing.ts), by `a * n + b` with a < b;
   * absent: straight. Found for `routedScale` and each box's most badge rows drawn so far
   * (`NodeView.badgeRows`), and found again when either grows.
   */
  private routes = new Map<number, Route>();
  private routedScale = 0;
  private routesStale = true;
  /** Each link's line as a canvas path, by `a * n + b`, and all of them as one: built once per routing, stroked every frame. */
  private readonly linkPaths = new Map<number, Path2D>();
  private allLinks: Path2D | null = null;
  private selectedLink: string | null = null;
  /** What a lesson step points at (ui/teach): node ids, links as `fromId|toId`, nodes whose badges. */
  private highlighted: { nodes: Set<string>; links: Set<string>; badges: Set<string> } = { nodes: new Set(), links: new Set(), badges: new Set() };
  /** Per directed pair: the route a message rides, the visible part of it (border to border) and its lane. */
  private readonly segments = new Map<number, Flight | null>();
  private readonly dropLayer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly networkLayer: Selection<SVGGElement, unknown, null, undefined>;
  private lastLabels = '';
  /** Every drawn node's box at the current nodeScale, for placing drop labels (null: not built yet). */
  private nodeBoxes: Box[] | null = null;
  /** Message dots' top-left corners (x, y pairs) by colour, reused from frame to frame. */
  private readonly squaresByColor = new Map<string, number[]>();
  private lastNetwork = '';
  private readonly indexOf: (id: string) => number;
  /** Something other than the frame changed (zoom, size): draw even if the cursor did not move. */
  dirty = true;
  stats: TopologyStats = { inFlight: 0, drawn: 0, drops: 0 };

  constructor(
    private readonly container: HTMLElement,
    private readonly layout: Layout,
    private readonly onNodeClick: (node: LayoutNode, x: number, y: number) => void,
    /** A click on a link (its ends in layout order, the click's position in the container). */
    private readonly onLinkClick: ((from: LayoutNode, to: LayoutNode, x: number, y: number) => void) | null = null,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'topology-canvas';
    this.canvas.setAttribute('data-testid', 'topology-canvas');
    this.canvas.setAttribute('aria-hidden', 'true');
    this.svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svg.setAttribute('class', 'topology-svg');
    this.svg.setAttribute('data-testid', 'topology-svg');
    this.svg.setAttribute('role', 'img');
    this.svg.setAttribute('aria-label', 'Topology: nodes, their health and state');
    container.append(this.canvas, this.svg);

    this.viewport = select(this.svg).append('g').attr('class', 'viewport');
    // Under the nodes: the links are drawn on the canvas, these only catch clicks and hovers.
    const linkLayer = this.viewport.append('g').attr('class', 'link-hits');
    for (const [a, b] of layout.links) this.makeLinkHit(linkLayer, a, b);
    for (const node of layout.nodes) {
      if (node.drawnAs === node.index) this.views.push(this.makeNode(node));
    }
    for (const node of layout.nodes) this.viewAt.push(this.views.find((v) => v.node.index === node.drawnAs)!);
    this.dropLayer = this.viewport.append('g').attr('class', 'drop-labels');
    this.networkLayer = select(this.svg).append('g').attr('class', 'network-faults');
    const ids = new Map(layout.nodes.map((n) => [n.id, n.index]));
    this.indexOf = (id) => ids.get(id) ?? -1;
    this.reroute();

    this.zoomBehavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_ZOOM, 8])
      .on('zoom', (event: { transform: ZoomTransform; sourceEvent: unknown }) => {
        this.transform = event.transform;
        if (event.sourceEvent) this.userZoomed = true;
        this.viewport.attr('transform', event.transform.toString());
        this.setNodeScale(Math.max(1, 1 / event.transform.k));
        this.dirty = true;
      });
    select(this.svg).call(this.zoomBehavior).on('dblclick.zoom', null);
  }

  /** Sets the drawing size (CSS pixels); refits unless the user has zoomed. */
  resize(width: number, height: number): void {
    this.dpr = sizeCanvas(this.canvas, width, height);
    this.width = width;
    this.height = height;
    this.svg.setAttribute('width', String(width));
    this.svg.setAttribute('height', String(height));
    if (!this.userZoomed) this.fit();
    this.dirty = true;
  }

  /**
   * Zooms to show every node. Below zoom 1 only the distances shrink (nodes keep their screen
   * size, see nodeScale), so the node centres must fit the view less a node's own extent.
   */
  fit(): void {
    if (this.width === 0 || this.layout.nodes.length === 0) return;
    const { k, tx, ty } = fitTransform(this.layout.nodes, this.width, this.height);
    select(this.svg).call(this.zoomBehavior.transform, zoomIdentity.translate(tx, ty).scale(k));
    this.userZoomed = false;
  }

  /** Scales nodes and link hit bands about their own places (see nodeScale). */
  private setNodeScale(scale: number): void {
    if (Math.abs(scale - this.nodeScale) < 1e-6) return;
    this.nodeScale = scale;
    this.segments.clear();
    this.lastLabels = '';
    this.nodeBoxes = null;
    for (const view of this.views) view.g.attr('transform', nodeTransform(view.node, scale));
    if (routingScale(scale) !== this.routedScale) this.routesStale = true;
    this.updateBands();
  }

  /**
   * Finds every link's route again for the current node scale and badge rows (see `routes`),
   * then redraws what follows them: the link bands and, from the next frame, messages.
   */
  private reroute(): void {
    this.routesStale = false;
    this.routedScale = routingScale(this.nodeScale);
    const s = this.routedScale;
    const nodes = this.layout.nodes.map((node) => {
      const view = this.viewAt[node.index];
      return { x: node.x, y: node.y, box: view && view.node.index === node.index ? nodeBox(node.x, node.y, s, view.badgeRows) : null };
    });
    this.routes = routeLinks(nodes, this.layout.links, s);
    this.segments.clear();
    this.linkPaths.clear();
    this.allLinks = null;
    this.updateBands();
    this.dirty = true;
  }

  /** Link bands along the current routes, as wide as the node scale makes them. */
  private updateBands(): void {
    for (const [key, band] of this.linkHits) {
      const [fromId, toId] = key.split('|');
      const route = this.routeOf(this.indexOf(fromId), this.indexOf(toId));
      band.attr('d', bandPath(route, LINK_HIT_W * this.nodeScale)).attr('data-route', routeText(route));
    }
  }

  select(index: number | null): void {
    if (this.selected !== null) this.viewAt[this.selected]?.g.classed('selected', false);
    this.selected = index;
    if (index !== null) this.viewAt[index]?.g.classed('selected', true);
  }

  /** Highlights a link (`fromId|toId`, as in its `data-link`), or none. */
  selectLink(key: string | null): void {
    if (this.selectedLink !== null) this.linkHits.get(this.selectedLink)?.classed('selected', false);
    this.selectedLink = key;
    if (key !== null) this.linkHits.get(key)?.classed('selected', true);
  }

  /**
   * A lesson step's highlights: a glowing ring on nodes, their badge rows and links. A link is
   * found whichever way round its hit area was made.
   */
  highlight(nodes: readonly string[], links: readonly { from: string; to: string }[], badges: readonly string[]): void {
    this.highlighted = { nodes: new Set(nodes), links: new Set(links.flatMap((l) => [`${l.from}|${l.to}`, `${l.to}|${l.from}`])), badges: new Set(badges) };
    for (const view of this.views) {
      view.g.classed('highlighted', this.highlighted.nodes.has(view.node.id));
      view.badges.classed('highlighted', this.highlighted.badges.has(view.node.id));
    }
    for (const [key, band] of this.linkHits) band.classed('highlighted', this.highlighted.links.has(key));
  }

  /** Screen position (relative to the container) of a node's centre. */
  screenPosition(index: number): [number, number] {
    const n = this.layout.nodes[index];
    return this.transform.apply([n.x, n.y]);
  }

  draw(frame: Frame): void {
    if (this.routesStale) this.reroute();
    this.dirty = false;
    const { store } = frame;
    const state = store.fold.at(store.upperBound(Math.floor(frame.cursorUs)));
    const network = [...(state.faults[store.nodeCount]?.values() ?? [])];
    const labels = this.drawCanvas(frame, network);
    this.drawNodes(frame, state);
    this.drawOverlay(labels, network);
    // Badges grew: the next frame draws the links' new routes.
    if (this.routesStale) this.dirty = true;
  }

  destroy(): void {
    select(this.svg).on('.zoom', null);
    this.canvas.remove();
    this.svg.remove();
  }

  /** The route from node a to node b (either way round; straight when there is none). */
  private routeOf(a: number, b: number): Route {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const route = this.routes.get(lo * this.layout.nodes.length + hi);
    const na = this.layout.nodes[a];
    const nb = this.layout.nodes[b];
    if (!route) return Float64Array.of(na.x, na.y, nb.x, nb.y);
    return a < b ? route : reversed(route);
  }

  /**
   * A message from `a` to `b` rides the link's route from where it leaves a's box to where it
   * reaches b's, offset sideways so that each direction keeps to its own lane.
   */
  private segment(a: number, b: number): Flight | null {
    const key = a * this.layout.nodes.length + b;
    let seg = this.segments.get(key);
    if (seg !== undefined) return seg;
    const na = this.layout.nodes[a];
    const nb = this.layout.nodes[b];
    seg = null;
    if (na && nb && a !== b) {
      const route = this.routeOf(a, b);
      const lengths = cumulativeLengths(route);
      const total = lengths[lengths.length - 1];
      // Where the route leaves a's box and enters b's (with room for the queue bar); the whole route when the boxes nearly touch.
      const s = this.nodeScale;
      const halfW = (NODE_W / 2 + 16) * s;
      const halfH = (NODE_H / 2 + 4) * s;
      let from = exitDistance(route, lengths, halfW, halfH);
      const back = reversed(route);
      let to = total - exitDistance(back, cumulativeLengths(back), halfW, halfH);
      if (from > total * 0.45 || to < total * 0.55) {
        from = 0;
        to = total;
      }
      // Each direction keeps to its own side: the normal of the lower→higher index direction.
      const dx = nb.x - na.x;
      const dy = nb.y - na.y;
      const len = Math.hypot(dx, dy) || 1;
      const forward = a < b;
      const lane = (forward ? LANE : -LANE) * s;
      seg = { route, lengths, from, to, ox: ((forward ? -dy : dy) / len) * lane, oy: ((forward ? dx : -dx) / len) * lane };
    }
    this.segments.set(key, seg);
    return seg;
  }

  // ---- link hit areas (SVG) ----------------------------------------------------------------

  /**
   * A wide invisible band along the link a–b (see LinkMenu.css): hover shows it, a click or
   * Enter opens the link menu. A rotated rect rather than a wide stroke, so it has an area
   * (a horizontal line's box is zero high, and tools that look for a visible box miss it).
   */
  private makeLinkHit(layer: Selection<SVGGElement, unknown, null, undefined>, a: number, b: number): void {
    const from = this.layout.nodes[a];
    const to = this.layout.nodes[b];
    if (!from || !to || !this.onLinkClick) return;
    const key = `${from.id}|${to.id}`;
    // A filled band rather than a wide stroke, so it has an area (a horizontal line's box is
    // zero high, and tools that look for a visible box miss it); its shape follows the route.
    const band = layer.append<SVGGraphicsElement>('path').attr('class', 'link-hit');
    band
      .attr('data-link', key)
      .attr('tabindex', 0)
      .attr('role', 'button')
      .attr('aria-label', `Link ${from.label} ↔ ${to.label}: click for interventions`);
    band.append('title').text(`${from.id} ↔ ${to.id}`);
    this.linkHits.set(key, band);
    const open = this.onLinkClick;
    band.on('click', (event: MouseEvent) => {
      event.stopPropagation();
      const [x, y] = pointer(event, this.container);
      open(from, to, x, y);
    });
    band.on('keydown', (event: KeyboardEvent) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      // The menu opens at the middle of the link as drawn (a bent one's chord may cross another node).
      const route = this.routeOf(a, b);
      const lengths = cumulativeLengths(route);
      const [x, y] = this.transform.apply([...pointAlong(route, lengths, lengths[lengths.length - 1] / 2)]);
      open(from, to, x, y);
    });
  }

  // ---- nodes (SVG) -------------------------------------------------------------------------

  private makeNode(node: LayoutNode): NodeView {
    const g = this.viewport
      .append('g')
      .attr('class', `node kind-${kindClass(node)} status-up`)
      .attr('transform', nodeTransform(node, this.nodeScale))
      .attr('data-node', node.id)
      .attr('tabindex', 0)
      .attr('role', 'button')
      .attr('aria-label', `${node.label} (${node.id}): click for interventions`);
    g.append('title').text(node.label === node.id ? node.id : `${node.label} (${node.id})`);
    g.append('rect')
      .attr('class', 'node-body')
      .attr('x', -NODE_W / 2)
      .attr('y', -NODE_H / 2)
      .attr('width', NODE_W)
      .attr('height', NODE_H)
      .attr('rx', node.kind === 'client' ? NODE_H / 2 : 8);
    const name = node.group?.label ?? node.label;
    const label = g.append('text').attr('class', 'node-label').attr('y', -5).attr('text-anchor', 'middle').text(name);
    fitText(label.node(), name, NODE_W - 10);
    const sub = g.append('text').attr('class', 'node-sub').attr('y', 11).attr('text-anchor', 'middle').text(node.kind === 'service' ? 'service' : node.kind);
    let busyBar: NodeView['busyBar'] = null;
    let queueBar: NodeView['queueBar'] = null;
    if (node.workers > 0) {
      g.append('rect').attr('class', 'bar-track').attr('x', -NODE_W / 2 + 10).attr('y', NODE_H / 2 - 9).attr('width', NODE_W - 20).attr('height', 4).attr('rx', 2);
      busyBar = g.append('rect').attr('class', 'bar busy').attr('x', -NODE_W / 2 + 10).attr('y', NODE_H / 2 - 9).attr('width', 0).attr('height', 4).attr('rx', 2);
      g.append('rect').attr('class', 'bar-track').attr('x', -NODE_W / 2 - 12).attr('y', -NODE_H / 2).attr('width', 7).attr('height', NODE_H).attr('rx', 2);
      queueBar = g.append('rect').attr('class', 'bar queue').attr('x', -NODE_W / 2 - 12).attr('y', NODE_H / 2).attr('width', 7).attr('height', 0).attr('rx', 2);
    }
    const badges = g.append('g').attr('class', 'badges').attr('transform', `translate(${-NODE_W / 2},${NODE_H / 2 + 4})`);
    g.on('click', (event: MouseEvent) => {
      event.stopPropagation();
      const [x, y] = this.screenPosition(node.index);
      this.onNodeClick(node, x, y);
    });
    g.on('keydown', (event: KeyboardEvent) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      const [x, y] = this.screenPosition(node.index);
      this.onNodeClick(node, x, y);
    });
    return { node, g, sub, busyBar, queueBar, badges, lastStatus: 'up', lastSub: '', lastBusy: -1, lastQueue: -1, lastBadges: '', lastUrgent: '', badgeRows: 0 };
  }

  private drawNodes(frame: Frame, state: FoldState): void {
    const { store } = frame;
    const ctx = renderContext(store, frame.param, frame.cursorUs, 600 * frame.usPerWallMs);
    const full = frame.refresh === 'all';
    for (const view of this.views) {
      if (view.node.group) {
        this.drawGroup(view, store, state, full);
        continue;
      }
      const i = view.node.index;
      const status = store.strings[state.status[i]] || 'up';
      const badges = [...faultBadges(state.faults[i]), ...renderState(nodeStateEntries(store, state, i), ctx)];
      // What must show at once: health, and each badge's kind and state (not its level or flash).
      const urgent = `${status}\n${badges.map((b) => `${b.label}|${b.tone}|${b.level === null ? b.text : ''}`).join('\n')}`;
      if (!full && urgent === view.lastUrgent) continue;
      view.lastUrgent = urgent;
      const busy = state.busy[i];
      const queue = state.queue[i];
      if (status !== view.lastStatus) {
        view.lastStatus = status;
        view.g.attr('class', `node kind-${kindClass(view.node)} status-${status}${this.selected === i ? ' selected' : ''}${this.highlighted.nodes.has(view.node.id) ? ' highlighted' : ''}`);
      }
      const sub = subText(view.node, status, busy, queue);
      if (sub !== view.lastSub) {
        view.lastSub = sub;
        view.sub.text(sub);
      }
      if (view.busyBar && busy !== view.lastBusy) {
        view.lastBusy = busy;
        view.busyBar.attr('width', (NODE_W - 20) * Math.min(1, busy / Math.max(1, view.node.workers)));
      }
      if (view.queueBar && queue !== view.lastQueue) {
        view.lastQueue = queue;
        const cap = view.node.queueCapacity ?? Math.max(10, store.fold.maxQueue[i]);
        const h = NODE_H * Math.min(1, queue / Math.max(1, cap));
        view.queueBar.attr('y', NODE_H / 2 - h).attr('height', h).classed('full', view.node.queueCapacity !== null && queue >= view.node.queueCapacity);
      }
      const sig = badges.map((b) => `${b.label}|${b.text}|${b.tone}|${b.level === null ? '' : b.level.toFixed(2)}|${b.recent ? 1 : 0}`).join('\n');
      if (sig !== view.lastBadges) {
        view.lastBadges = sig;
        this.drawBadges(view, badges);
      }
    }
  }

  /**
   * A big group's one box: how many members it has and how many are down, their busy workers
   * and queues summed (the bars out of the whole group's), and a fault badge per kind of fault
   * with how many members have it. Each member stays a node of its own to the engine, the
   * inspector and the interventions (the box's menu acts on its first member).
   */
  private drawGroup(view: NodeView, store: TraceStore, state: FoldState, full: boolean): void {
    const members = view.node.group!.members;
    let down = 0;
    let busy = 0;
    let queue = 0;
    const faults = new Map<string, number>();
    for (const i of members) {
      if ((store.strings[state.status[i]] || 'up') !== 'up') down++;
      busy += state.busy[i];
      queue += state.queue[i];
      for (const f of state.faults[i]?.values() ?? []) faults.set(f.type, (faults.get(f.type) ?? 0) + 1);
    }
    const status = down === members.length ? 'down' : 'up';
    const sub = `${formatNumber(members.length)} instances · ${formatNumber(down)} down`;
    const badges: Badge[] = [...faults].map(([type, n]) => ({ label: 'fault', text: `${type} ×${formatNumber(n)}`, tone: 'bad', level: null, recent: false }));
    // The sums hide how the load is spread: one hot member looks like many lukewarm ones.
    if (view.node.workers > 0) {
      const spread = memberSpread(state.busy, members);
      badges.push({
        label: 'busy p50·p99·max',
        text: `${spread.p50}·${spread.p99}·${spread.max}`,
        tone: spread.max >= view.node.workers ? 'warn' : 'neutral',
        level: Math.min(1, spread.max / view.node.workers),
        recent: false,
        title: `busy workers per instance: median ${spread.p50}, 99th percentile ${spread.p99}, busiest ${spread.max} of ${view.node.workers}`,
      });
      // Queues likewise: a few members with long queues behind a balancer are the hot spots.
      const q = memberSpread(state.queue, members);
      const cap = view.node.queueCapacity;
      badges.push({
        label: 'queue p50·p99·max',
        text: `${formatNumber(q.p50)}·${formatNumber(q.p99)}·${formatNumber(q.max)}`,
        tone: cap !== null && q.max >= cap ? 'warn' : 'neutral',
        level: cap !== null && cap > 0 ? Math.min(1, q.max / cap) : null,
        recent: false,
        title: `queued requests per instance: median ${q.p50}, 99th percentile ${q.p99}, longest ${q.max}${cap !== null ? ` of ${cap}` : ''}`,
      });
    }
    const urgent = `${status}\n${sub}\n${badges.map((b) => b.text).join('\n')}`;
    if (!full && urgent === view.lastUrgent) return;
    view.lastUrgent = urgent;
    if (status !== view.lastStatus) {
      view.lastStatus = status;
      view.g.attr('class', `node kind-${kindClass(view.node)} status-${status}${this.selected !== null && this.viewAt[this.selected] === view ? ' selected' : ''}`);
    }
    if (sub !== view.lastSub) {
      view.lastSub = sub;
      view.sub.text(sub);
    }
    const workers = view.node.workers * members.length;
    if (view.busyBar && busy !== view.lastBusy) {
      view.lastBusy = busy;
      view.busyBar.attr('width', (NODE_W - 20) * Math.min(1, busy / Math.max(1, workers)));
    }
    if (view.queueBar && queue !== view.lastQueue) {
      view.lastQueue = queue;
      const cap = (view.node.queueCapacity ?? 10) * members.length;
      const h = NODE_H * Math.min(1, queue / Math.max(1, cap));
      view.queueBar.attr('y', NODE_H / 2 - h).attr('height', h);
    }
    const sig = badges.map((b) => b.text).join('\n');
    if (sig !== view.lastBadges) {
      view.lastBadges = sig;
      this.drawBadges(view, badges);
    }
  }

  /** Draws a box's badges; more rows than it ever had make the links be routed again. */
  private drawBadges(view: NodeView, badges: Badge[]): void {
    drawBadges(view.badges, badges);
    const rows = Math.min(badges.length, MAX_BADGES);
    if (rows > view.badgeRows) {
      view.badgeRows = rows;
      this.routesStale = true;
    }
  }

  // ---- links and messages (canvas) ---------------------------------------------------------

  /** The link a–b (a < b) as a canvas path: straight, or bent around the nodes in its way. */
  private linkPath(a: number, b: number): Path2D {
    const key = a * this.layout.nodes.length + b;
    let path = this.linkPaths.get(key);
    if (!path) {
      path = new Path2D();
      const route = this.routes.get(key);
      if (route && isBent(route)) traceRoute(path, route);
      else {
        path.moveTo(this.layout.nodes[a].x, this.layout.nodes[a].y);
        path.lineTo(this.layout.nodes[b].x, this.layout.nodes[b].y);
      }
      this.linkPaths.set(key, path);
    }
    return path;
  }

  /** The links (all, or those `keep` keeps) as one path. */
  private linksPath(keep: ((a: number, b: number) => boolean) | null): Path2D {
    if (keep === null && this.allLinks) return this.allLinks;
    const path = new Path2D();
    for (const [a, b] of this.layout.links) if (keep === null || keep(a, b)) path.addPath(this.linkPath(a, b));
    if (keep === null) this.allLinks = path;
    return path;
  }

  private drawCanvas(frame: Frame, network: ActiveFault[]): DropLabel[] {
    const c = this.canvas.getContext('2d');
    if (!c) return [];
    const { store, cursorUs: T } = frame;
    const t = this.transform;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.clearRect(0, 0, this.canvas.width, this.canvas.height);
    c.setTransform(this.dpr * t.k, 0, 0, this.dpr * t.k, this.dpr * t.x, this.dpr * t.y);

    // Links; those an active partition cuts in red, dashed.
    const cuts = network.filter((f) => f.type === 'partition').map((f) => partitionRule(f, this.indexOf));
    const cut = (a: number, b: number) => cuts.some((blocks) => blocks(a, b) || blocks(b, a));
    // Line widths in screen pixels whatever the zoom below 1 (nodeScale).
    const s = this.nodeScale;
    c.lineWidth = 1.5 * s;
    c.strokeStyle = COLORS.link;
    c.stroke(this.linksPath(cuts.length > 0 ? (a, b) => !cut(a, b) : null));
    if (cuts.length > 0) {
      c.strokeStyle = COLORS.drop;
      c.lineWidth = 2 * s;
      c.setLineDash([6 * s, 5 * s]);
      c.stroke(this.linksPath(cut));
      c.setLineDash([]);
    }

    const m = store.messages;
    const minVisUs = MIN_VISIBLE_WALL_MS * frame.usPerWallMs;
    const sendT = m.sendT.a;
    const endT = m.endT.a;
    const end = m.end.a;
    const from = m.from.a;
    const to = m.to.a;
    const type = m.type.a;
    // Dots are small squares filled one by one, grouped by colour (message type; see
    // trace/colors.ts): in software rendering an axis-aligned fillRect costs a third of the same
    // square added to a path, and thousands of anti-aliased arcs several times more.
    // A retry attempt (ui/trace/messages.ts `attempt`) is a hollow ring instead, so a retry storm shows as rings.
    const squares = this.squaresByColor;
    for (const list of squares.values()) list.length = 0;
    const rings = new Map<string, Path2D>();
    const colorOf = typeColors(store);
    const attempt = m.attempt.a;
    const r = Math.max(1.8, 2.6 / Math.sqrt(t.k)) * s;
    let drawn = 0;
    const dot = (idx: number, f: number) => {
      const seg = this.segment(from[idx], to[idx]);
      if (seg === null) return;
      const [px, py] = onSegment(seg, f);
      const color = colorOf(type[idx]);
      drawn++;
      if (attempt[idx] > 1) {
        let ring = rings.get(color);
        if (!ring) rings.set(color, (ring = new Path2D()));
        ring.moveTo(px + r * 1.6, py);
        ring.arc(px, py, r * 1.6, 0, 2 * Math.PI);
        return;
      }
      let list = squares.get(color);
      if (!list) squares.set(color, (list = []));
      list.push(px - r, py - r);
    };
    // Short flights, stretched to stay visible for MIN_VISIBLE_WALL_MS…
    m.sentBetween(T - minVisUs, T, MAX_DOTS, (idx) => {
      if (end[idx] === DROPPED && endT[idx] <= T) return;
      const flight = end[idx] === OPEN ? minVisUs : Math.max(endT[idx] - sendT[idx], minVisUs);
      dot(idx, Math.min(1, (T - sendT[idx]) / flight));
    });
    // …and long ones, at their true position.
    const inFlight = m.inFlight(T, MAX_DOTS, (idx) => {
      if (sendT[idx] > T - minVisUs) return;
      const f = end[idx] === OPEN ? 0.5 : (T - sendT[idx]) / (endT[idx] - sendT[idx]);
      dot(idx, Math.min(1, f));
    });
    for (const [color, list] of squares) {
      c.fillStyle = color;
      for (let i = 0; i < list.length; i += 2) c.fillRect(list[i], list[i + 1], 2 * r, 2 * r);
    }
    c.lineWidth = Math.max(1.2, 1.6 / Math.sqrt(t.k)) * s;
    for (const [color, ring] of rings) {
      c.strokeStyle = color;
      c.stroke(ring);
    }

    // Drops: a red cross where the message was lost, fading; the reason beside the first few.
    const flashUs = FLASH_WALL_MS * frame.usPerWallMs;
    const labels = new Map<string, DropLabel>();
    let drops = 0;
    c.strokeStyle = COLORS.drop;
    c.lineWidth = 2 * s;
    m.dropsBetween(T - flashUs, T, MAX_FLASHES, (idx, dropT) => {
      const seg = this.segment(from[idx], to[idx]);
      if (seg === null) return;
      drops++;
      // Lost on the way out (loss, partition, full link) or at a node that was down.
      const f = dropT - sendT[idx] > 0 ? 0.9 : 0.1;
      const [x, y] = onSegment(seg, f);
      const alpha = Math.max(0.15, 1 - (T - dropT) / flashUs);
      const arm = 5 * s;
      c.globalAlpha = alpha;
      c.beginPath();
      c.moveTo(x - arm, y - arm);
      c.lineTo(x + arm, y + arm);
      c.moveTo(x + arm, y - arm);
      c.lineTo(x - arm, y + arm);
      c.stroke();
      const reason = store.strings[m.reason.a[idx]] || 'dropped';
      const key = `${from[idx]}>${to[idx]}>${reason}`;
      const label = labels.get(key);
      if (label) label.n++;
      else if (labels.size < MAX_FLASH_LABELS) labels.set(key, { x, y: y - 9 * s, reason, n: 1, alpha, anchor: f > 0.5 ? 'end' : 'start' });
    });
    c.globalAlpha = 1;
    this.stats = { inFlight, drawn, drops };
    return [...labels.values()];
  }

  /** Drop reasons and network-wide faults, as SVG text above the nodes. */
  private drawOverlay(drops: DropLabel[], network: ActiveFault[]): void {
    const s = this.nodeScale;
    if (drops.length > 0 && !this.nodeBoxes) this.nodeBoxes = this.views.map((v) => nodeBox(v.node.x, v.node.y, s));
    const labels = drops.length === 0 ? drops : placeDropLabels(drops, this.nodeBoxes!, s);
    const sig = labels.map((l) => `${l.x.toFixed(0)},${l.y.toFixed(0)},${l.reason},${l.n},${l.alpha.toFixed(1)}`).join('|');
    if (sig !== this.lastLabels) {
      this.lastLabels = sig;
      this.dropLayer.selectAll('*').remove();
      for (const l of labels) {
        this.dropLayer
          .append('text')
          .attr('class', 'drop-label')
          .attr('transform', `translate(${l.x},${l.y}) scale(${this.nodeScale})`)
          .attr('text-anchor', l.anchor)
          .attr('opacity', l.alpha.toFixed(2))
          .text(labelText(l));
      }
    }
    const lines = network.map((f) => describeNetworkFault(f));
    const netSig = lines.join('|');
    if (netSig !== this.lastNetwork) {
      this.lastNetwork = netSig;
      this.networkLayer.selectAll('*').remove();
      lines.forEach((line, i) => {
        this.networkLayer.append('text').attr('class', 'network-fault').attr('x', 10).attr('y', 18 + i * 16).text(line);
      });
    }
  }
}

/** What a message from one node to another rides (see TopologyView.segment). */
interface Flight {
  route: Route;
  lengths: Float64Array;
  /** Where along the route the message shows: from leaving its sender's box to reaching its receiver's. */
  from: number;
  to: number;
  /** Its lane: the offset from the route. */
  ox: number;
  oy: number;
}

/** Where a message is at fraction f of its flight. */
function onSegment(seg: Flight, f: number): Point {
  const [x, y] = pointAlong(seg.route, seg.lengths, seg.from + (seg.to - seg.from) * f);
  return [x + seg.ox, y + seg.oy];
}

/** The node scale routes are found for: `scale` rounded up to a step of ROUTE_SCALE_STEP. */
function routingScale(scale: number): number {
  return scale <= 1 ? 1 : ROUTE_SCALE_STEP ** Math.ceil(Math.log(scale) / Math.log(ROUTE_SCALE_STEP) - 1e-9);
}

/** A route's points as text (`x,y x,y …`, layout units): what a test reads off a link's band. */
function routeText(route: Route): string {
  const out: string[] = [];
  for (let i = 0; i < route.length; i += 2) out.push(`${route[i].toFixed(1)},${route[i + 1].toFixed(1)}`);
  return out.join(' ');
}

function nodeTransform(node: LayoutNode, scale: number): string {
  return scale === 1 ? `translate(${node.x},${node.y})` : `translate(${node.x},${node.y}) scale(${scale})`;
}

function subText(node: LayoutNode, status: string, busy: number, queue: number): string {
  if (status !== 'up') return status.toUpperCase();
  if (node.workers > 0) return `${busy}/${node.workers} busy · ${queue} queued`;
  return node.kind === 'client' ? 'client' : node.kind;
}

function faultBadges(faults: Map<number, ActiveFault> | null): Badge[] {
  if (!faults || faults.size === 0) return [];
  const out: Badge[] = [];
  for (const f of faults.values()) out.push({ label: 'fault', text: describeFault(f), tone: 'bad', level: null, recent: false });
  return out;
}

export function describeFault(f: ActiveFault): string {
  const d = f.detail;
  const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : NaN);
  switch (f.type) {
    case 'slow':
      return `slow ×${num('factor')}`;
    case 'brownout':
      return `brownout ${Math.round(num('errorProbability') * 100)}%`;
    case 'latency':
      return `latency +${num('extraMs')} ms`;
    case 'loss':
      return `loss ${Math.round(num('probability') * 100)}%`;
    case 'clock-skew':
      return `clock skew ${num('skewMs')} ms`;
    default:
      return f.type;
  }
}

function drawBadges(g: Selection<SVGGElement, unknown, null, undefined>, badges: Badge[]): void {
  g.selectAll('*').remove();
  const shown = badges.length > MAX_BADGES ? badges.slice(0, MAX_BADGES - 1) : badges;
  shown.forEach((b, i) => {
    const row = g.append('g').attr('class', `nb-row tone-${b.tone}${b.recent ? ' recent' : ''}`).attr('transform', `translate(0,${i * BADGE_H})`);
    row.append('rect').attr('class', 'nb-bg').attr('width', NODE_W).attr('height', BADGE_H - 2).attr('rx', 3);
    if (b.level !== null) {
      row.append('rect').attr('class', 'nb-level').attr('x', 1).attr('y', BADGE_H - 5).attr('width', Math.max(0, (NODE_W - 2) * b.level)).attr('height', 2);
    }
    // The value keeps its room (up to most of the row); the label takes what is left, both
    // shortened with an ellipsis where needed, the whole of both in the tooltip.
    row.append('title').text(b.title ?? `${b.label}: ${b.text}`);
    const value = row.append('text').attr('class', 'nb-value').attr('x', NODE_W - BADGE_PAD).attr('y', 11.5).attr('text-anchor', 'end').text(b.text);
    fitText(value.node(), b.text, NODE_W * 0.72);
    const valueW = textWidth(value.node(), b.text.length);
    const label = row.append('text').attr('class', 'nb-label').attr('x', BADGE_PAD).attr('y', 11.5).text(b.label);
    fitText(label.node(), b.label, NODE_W - 2 * BADGE_PAD - BADGE_GAP - valueW);
  });
  if (badges.length > MAX_BADGES) {
    g.append('text')
      .attr('class', 'nb-more')
      .attr('x', 5)
      .attr('y', (MAX_BADGES - 1) * BADGE_H + 11.5)
      .text(`+${badges.length - MAX_BADGES + 1} more`);
  }
}

/** Does an active partition fault block messages from a to b (by node index)? */
function partitionRule(f: ActiveFault, indexOf: (id: string) => number): (a: number, b: number) => boolean {
  const d = f.detail;
  const ids = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map(indexOf) : []);
  if (Array.isArray(d.groups)) {
    const groupOf = new Map<number, number>();
    d.groups.forEach((g, i) => ids(g).forEach((n) => groupOf.set(n, i)));
    return (a, b) => groupOf.has(a) && groupOf.has(b) && groupOf.get(a) !== groupOf.get(b);
  }
  const from = new Set(ids(d.from));
  const to = new Set(ids(d.to));
  return (a, b) => from.has(a) && to.has(b);
}

/** A fault on no single node, as a line of text. */
function describeNetworkFault(f: ActiveFault): string {
  const d = f.detail;
  const link = d.link && typeof d.link === 'object' ? (d.link as { from?: unknown; to?: unknown }) : null;
  const where = link ? ` on ${String(link.from)} → ${String(link.to)}` : ' on every link';
  if (f.type === 'partition') {
    if (Array.isArray(d.groups)) return `partition: ${d.groups.map((g) => (Array.isArray(g) ? g.join(', ') : '')).join(' | ')}`;
    return `partition: ${Array.isArray(d.from) ? d.from.join(', ') : ''} ↛ ${Array.isArray(d.to) ? d.to.join(', ') : ''}`;
  }
  if (f.type === 'latency' || f.type === 'loss') return `${describeFault(f)}${where}`;
  return describeFault(f);
}

/** Shortens an SVG text (with an ellipsis) until it fits `width`; the full text stays in a title. */
function fitText(el: SVGTextElement | null, text: string, width: number): void {
  if (!el || typeof el.getComputedTextLength !== 'function') return;
  let n = text.length;
  // getComputedTextLength is 0 when the SVG is not laid out yet: then a cut at an average character width.
  if (el.getComputedTextLength() === 0) {
    const fit = Math.max(1, Math.floor(width / AVERAGE_CHAR_W));
    if (n > fit) el.textContent = `${text.slice(0, fit - 1)}…`;
    return;
  }
  while (n > 1 && el.getComputedTextLength() > width) {
    n--;
    el.textContent = `${text.slice(0, n).trimEnd()}…`;
  }
}

/** A text's drawn width; before layout, an estimate from its length. */
function textWidth(el: SVGTextElement | null, length: number): number {
  const w = el && typeof el.getComputedTextLength === 'function' ? el.getComputedTextLength() : 0;
  return w > 0 ? w : Math.min(length, Math.floor((NODE_W * 0.72) / AVERAGE_CHAR_W)) * AVERAGE_CHAR_W;
}

/** About how wide an 11–12 px character is, layout units, for cutting text before it is laid out. */
const AVERAGE_CHAR_W = 6.6;

function kindClass(node: LayoutNode): string {
  return node.kind === 'client' ? 'client' : node.kind === 'service' ? 'service' : 'other';
}
