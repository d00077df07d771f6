import { useLayoutEffect } from 'react';

/**
 * Moves the menu back inside the box it is drawn in (the topology clips what sticks out): the
 * caller places it by an estimate of its size, but its real size depends on its text.
 */
export function useKeptInside(ref: React.RefObject<HTMLDivElement | null>, x: number, y: number): void {
  useLayoutEffect(() => {
    const el = ref.current;
    const box = el?.offsetParent;
    if (!el || !box) return;
    const menu = el.getBoundingClientRect();
    const room = box.getBoundingClientRect();
    const overRight = menu.right - room.right + 4;
    const overBottom = menu.bottom - room.bottom + 4;
    const overTop = room.top - menu.top + 4;
    // From where it is now: an earlier render may have moved it already.
    const left = parseFloat(el.style.left);
    const top = parseFloat(el.style.top);
    if (overRight > 0) el.style.left = `${Math.max(0, (Number.isFinite(left) ? left : x) - overRight)}px`;
    if (overBottom > 0) el.style.top = `${(Number.isFinite(top) ? top : y) - overBottom}px`;
    else if (overTop > 0) el.style.top = `${(Number.isFinite(top) ? top : y) + overTop}px`;
  });
}
