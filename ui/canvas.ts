/**
 * Sizes a canvas for sharp drawing: its backing store in device pixels (capped at 3× so a
 * zoomed page does not allocate huge bitmaps), its CSS box in CSS pixels. Returns the device
 * pixel ratio the drawing code scales by.
 */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): number {
  const dpr = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  return dpr;
}
