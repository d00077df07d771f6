import { useLayoutEffect } from 'react';

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Room left between a menu and the edges or controls it is kept off (px). */
const GAP = 4;

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/**
 * How far to move a menu (dx, dy) so that it lies inside `room` and covers none of `controls`
 * (the view's own buttons): first inside the room's right, bottom and top edges; then, for a
 * control it covers, below the control if the menu still fits above the room's bottom there,
 * else to the control's left.
 */
export function moveInside(menu: Rect, room: Rect, controls: readonly Rect[]): { dx: number; dy: number } {
  let dx = 0;
  let dy = 0;
  const overRight = menu.right - room.right + GAP;
  if (overRight > 0) dx = -Math.min(overRight, menu.left - room.left);
  const overBottom = menu.bottom - room.bottom + GAP;
  const overTop = room.top - menu.top + GAP;
  if (overBottom > 0) dy = -overBottom;
  else if (overTop > 0) dy = overTop;
  for (const control of controls) {
    const at: Rect = { left: menu.left + dx, right: menu.right + dx, top: menu.top + dy, bottom: menu.bottom + dy };
    if (!overlaps(at, control)) continue;
    const down = control.bottom + GAP - at.top;
    if (at.bottom + down <= room.bottom - GAP) dy += down;
    else dx -= at.right - control.left + GAP;
  }
  return { dx, dy };
}

/**
 * Moves the menu back inside the box it is drawn in (the topology clips what sticks out) and
 * off the box's own controls (elements marked `data-keep-clear`: Fit, Partition…): the caller
 * places it by an estimate of its size, but its real size depends on its text.
 */
export function useKeptInside(ref: React.RefObject<HTMLDivElement | null>, x: number, y: number): void {
  useLayoutEffect(() => {
    const el = ref.current;
    const box = el?.offsetParent;
    if (!el || !box) return;
    const controls = [...box.querySelectorAll('[data-keep-clear]')].map((c) => c.getBoundingClientRect());
    const { dx, dy } = moveInside(el.getBoundingClientRect(), box.getBoundingClientRect(), controls);
    // From where it is now: an earlier render may have moved it already.
    const left = parseFloat(el.style.left);
    const top = parseFloat(el.style.top);
    if (dx !== 0) el.style.left = `${Math.max(0, (Number.isFinite(left) ? left : x) + dx)}px`;
    if (dy !== 0) el.style.top = `${(Number.isFinite(top) ? top : y) + dy}px`;
  });
}
