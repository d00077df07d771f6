/**
 * Node and link menus stay inside the topology and off its own buttons (ui/keep-inside.ts):
 * a menu opened near the top right no longer covers Partition… and Fit.
 */
import { describe, expect, it } from 'vitest';
import { moveInside, type Rect } from '../../ui/keep-inside.ts';

const rect = (left: number, top: number, width: number, height: number): Rect => ({ left, top, right: left + width, bottom: top + height });
const moved = (r: Rect, { dx, dy }: { dx: number; dy: number }): Rect => ({ left: r.left + dx, right: r.right + dx, top: r.top + dy, bottom: r.bottom + dy });
const overlaps = (a: Rect, b: Rect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const inside = (a: Rect, room: Rect) => a.left >= room.left && a.right <= room.right && a.top >= room.top && a.bottom <= room.bottom;

describe('menus kept inside the view', () => {
  const room = rect(0, 0, 900, 460);
  // Partition… and Fit at the top right.
  const controls = [rect(760, 8, 80, 26), rect(846, 8, 46, 26)];

  it('stay where they were put when they fit and cover nothing', () => {
    expect(moveInside(rect(100, 100, 220, 180), room, controls)).toEqual({ dx: 0, dy: 0 });
  });

  it('move back inside past the right and bottom edges', () => {
    const menu = rect(800, 350, 220, 180);
    const at = moved(menu, moveInside(menu, room, []));
    expect(inside(at, room)).toBe(true);
  });

  it('opened near the top right, move below the buttons instead of covering them', () => {
    const menu = rect(700, 12, 220, 180);
    const at = moved(menu, moveInside(menu, room, controls));
    expect(inside(at, room)).toBe(true);
    for (const c of controls) expect(overlaps(at, c)).toBe(false);
    expect(at.top).toBeGreaterThanOrEqual(34);
  });

  it('when there is no room below the buttons, go to their left', () => {
    const short = rect(0, 0, 900, 200);
    const menu = rect(700, 12, 200, 180);
    const at = moved(menu, moveInside(menu, short, controls));
    for (const c of controls) expect(overlaps(at, c)).toBe(false);
    expect(at.right).toBeLessThanOrEqual(760);
  });
});
