// Axis helpers shared by the raster and the rate plot: round tick values and SI time labels.

/** About `count` round values (1, 2 or 5 × 10^k apart) covering [lo, hi]. */
export function ticks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** Seconds as a short label in the unit that suits the whole axis. */
export function timeFormatter(span) {
  if (span < 2e-3) return (t) => `${Number((t * 1e6).toPrecision(6))} µs`;
  if (span < 2) return (t) => `${Number((t * 1e3).toPrecision(6))} ms`;
  return (t) => `${Number(t.toPrecision(6))} s`;
}

export function formatTime(t) {
  return timeFormatter(Math.abs(t) * 1.5 || 1)(t);
}

/** Sizes a canvas to its CSS box (capped at 2× for memory), returning the scale used. */
export function fitCanvas(canvas) {
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return ratio;
}

/**
 * A canvas plot repainted at most once per animation frame. Subclasses implement `paint()` (which
 * starts with `this.frame = 0`); `drawMs` adds up the painting time for the viewer's self-check.
 */
export class FramePlot {
  constructor() {
    this.frame = 0;
    this.drawMs = 0;
  }

  schedule() {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    const started = performance.now();
    try {
      this.paint();
    } finally {
      this.drawMs += performance.now() - started;
    }
  }
}
