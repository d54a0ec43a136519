// The live raster plot: neuron index against time, one horizontal band per spike monitor.
//
// Built for high spike rates: spikes are appended to growable typed arrays as they arrive, and
// once per animation frame the new ones are drawn straight into an ImageData (a per-pixel count
// and a colour table, so dense regions get brighter), then put on the canvas in one call. Nothing
// is redrawn unless the layout changes (resize, a monitor grows), which replays the stored spikes.

import { FramePlot, fitCanvas, ticks, timeFormatter } from './axes.js';

const BACKGROUND = [15, 19, 26];
const COLORS = [
  [94, 196, 255],
  [255, 170, 80],
  [140, 230, 140],
  [240, 120, 200],
  [250, 230, 110],
  [180, 150, 255],
];
const BAND_GAP = 6;

/** RGBA colours for 0…255 spikes on one pixel, packed as the ImageData's little-endian words. */
function colorTable(rgb) {
  const lut = new Uint32Array(256);
  for (let c = 0; c < 256; c++) {
    const a = c === 0 ? 0 : 1 - 0.5 ** (c + 0.3);
    const [r, g, b] = rgb.map((v, k) => Math.round(BACKGROUND[k] + (v - BACKGROUND[k]) * a));
    lut[c] = (255 << 24) | (b << 16) | (g << 8) | r;
  }
  return lut;
}

class Growable {
  constructor(Type) {
    this.Type = Type;
    this.data = new Type(1024);
    this.length = 0;
  }

  reserve(extra) {
    if (this.length + extra <= this.data.length) return;
    let cap = this.data.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new this.Type(cap);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}

export class RasterPlot extends FramePlot {
  /**
   * @param {HTMLCanvasElement} canvas the plot area
   * @param {HTMLCanvasElement} axes an overlay covering the plot and its margins
   */
  constructor(canvas, axes) {
    super();
    this.canvas = canvas;
    this.axes = axes;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.axesCtx = axes.getContext('2d');
    this.reset();
    new ResizeObserver(() => this.relayout()).observe(canvas);
  }

  /**
   * @param {{duration?: number, monitors?: {name: string, n?: number}[]}} [setup]
   */
  reset(setup = {}) {
    this.duration = setup.duration ?? 0;
    /** @type {{name: string, n: number, known: boolean, seen: number, lut: Uint32Array, top: number, height: number}[]} */
    this.bands = [];
    this.byName = new Map();
    for (const m of setup.monitors ?? []) this.band(m.name, m.n);
    this.t = new Growable(Float64Array);
    this.index = new Growable(Uint32Array);
    this.monitor = new Growable(Uint8Array);
    this.drawn = 0;
    this.needsLayout = true;
    this.schedule();
  }

  /** Spikes drawn on the canvas so far. */
  get spikesDrawn() {
    return this.drawn;
  }

  /** Spikes received so far (drawn or waiting for the next frame). */
  get spikesReceived() {
    return this.t.length;
  }

  /** Neurons across all bands (known sizes, or the highest index seen). */
  get neurons() {
    return this.bands.reduce((s, b) => s + b.n, 0);
  }

  setDuration(duration) {
    if (duration > 0 && Math.abs(duration - this.duration) > 1e-9 * duration) {
      this.duration = duration;
      this.needsLayout = true;
      this.schedule();
    }
  }

  band(name, n) {
    let b = this.byName.get(name);
    if (b === undefined) {
      const k = this.bands.length;
      b = {
        name,
        n: n ?? 1,
        known: n !== undefined,
        seen: 0,
        lut: colorTable(COLORS[k % COLORS.length]),
        top: 0,
        height: 0,
        k,
      };
      this.bands.push(b);
      this.byName.set(name, b);
      this.needsLayout = true;
    }
    return b;
  }

  /** Appends one batch of a spike monitor; drawn at the next animation frame. */
  addSpikes(name, i, t) {
    const b = this.band(name);
    const count = Math.min(i.length, t.length);
    this.t.reserve(count);
    this.index.reserve(count);
    this.monitor.reserve(count);
    const base = this.t.length;
    let max = b.seen;
    for (let k = 0; k < count; k++) {
      const idx = i[k];
      this.t.data[base + k] = t[k];
      this.index.data[base + k] = idx;
      this.monitor.data[base + k] = b.k;
      if (idx + 1 > max) max = idx + 1;
    }
    this.t.length = this.index.length = this.monitor.length = base + count;
    b.seen = max;
    if (max > b.n) {
      // Unknown or too small a size: grow with headroom, so a growing index does not relayout every batch.
      b.n = b.known ? max : Math.max(max, Math.ceil(b.n * 1.25));
      this.needsLayout = true;
    }
    this.schedule();
  }

  /** Draws everything pending now (used before reporting "done", so the count is final). */
  flush() {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.draw();
  }

  relayout() {
    this.needsLayout = true;
    this.schedule();
  }

  layout() {
    fitCanvas(this.canvas);
    fitCanvas(this.axes);
    const W = this.canvas.width;
    const H = this.canvas.height;
    this.image = this.ctx.createImageData(W, H);
    this.pixels = new Uint32Array(this.image.data.buffer);
    this.counts = new Uint8Array(W * H);
    const bg = (255 << 24) | (BACKGROUND[2] << 16) | (BACKGROUND[1] << 8) | BACKGROUND[0];
    this.pixels.fill(bg);
    // Bands share the height in proportion to their neurons, each at least 24 px.
    const usable = H - BAND_GAP * Math.max(0, this.bands.length - 1);
    const total = this.bands.reduce((s, b) => s + b.n, 0) || 1;
    let top = 0;
    for (const b of this.bands) {
      b.top = top;
      b.height = Math.max(24, Math.floor((usable * b.n) / total));
      top += b.height + BAND_GAP;
    }
    const overflow = top - BAND_GAP - H;
    if (overflow > 0 && this.bands.length > 0) {
      const last = this.bands[this.bands.length - 1];
      last.height = Math.max(1, last.height - overflow);
    }
    this.markWidth = Math.max(1, Math.min(3, Math.round(W / 500)));
    this.drawn = 0;
    this.needsLayout = false;
    this.repaintAll = true;
    this.drawAxes();
  }

  paint() {
    this.frame = 0;
    if (this.needsLayout) this.layout();
    if (!(this.duration > 0)) {
      // Positions need the duration: hold the spikes until the first progress message.
      if (this.repaintAll) this.ctx.putImageData(this.image, 0, 0);
      this.repaintAll = false;
      return;
    }
    const W = this.canvas.width;
    const { pixels, counts, markWidth } = this;
    const xScale = W / this.duration;
    const ts = this.t.data;
    const is = this.index.data;
    const ms = this.monitor.data;
    const end = this.t.length;
    let yMin = Infinity;
    let yMax = -1;
    for (let k = this.drawn; k < end; k++) {
      const b = this.bands[ms[k]];
      const x0 = Math.min(W - markWidth, Math.max(0, Math.floor(ts[k] * xScale)));
      // Neuron 0 at the bottom of its band, as in Brian 2's plots.
      const r = is[k];
      const y1 = b.top + b.height - Math.floor((r * b.height) / b.n);
      let y0 = b.top + b.height - Math.floor(((r + 1) * b.height) / b.n);
      if (y0 >= y1) y0 = y1 - 1;
      const lut = b.lut;
      for (let y = y0; y < y1; y++) {
        const row = y * W;
        for (let x = x0; x < x0 + markWidth; x++) {
          const p = row + x;
          const c = counts[p] < 255 ? ++counts[p] : 255;
          pixels[p] = lut[c];
        }
      }
      if (y0 < yMin) yMin = y0;
      if (y1 > yMax) yMax = y1;
    }
    if (this.repaintAll) this.ctx.putImageData(this.image, 0, 0);
    else if (yMax >= 0) this.ctx.putImageData(this.image, 0, 0, 0, yMin, W, yMax - yMin);
    this.repaintAll = false;
    this.drawn = end;
  }

  drawAxes() {
    const ctx = this.axesCtx;
    const ratio = this.axes.width / Math.max(1, this.axes.clientWidth);
    const plot = this.canvas.getBoundingClientRect();
    const box = this.axes.getBoundingClientRect();
    const left = (plot.left - box.left) * ratio;
    const top = (plot.top - box.top) * ratio;
    const w = plot.width * ratio;
    const h = plot.height * ratio;
    const s = this.canvas.height / Math.max(1, h);
    ctx.clearRect(0, 0, this.axes.width, this.axes.height);
    ctx.fillStyle = '#9aa5b1';
    ctx.strokeStyle = '#3a4450';
    ctx.font = `${11 * ratio}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'center';
    if (this.duration > 0) {
      const fmt = timeFormatter(this.duration);
      for (const v of ticks(0, this.duration, 8)) {
        const x = left + (v / this.duration) * w;
        const label = fmt(v);
        const half = ctx.measureText(label).width / 2;
        ctx.fillRect(x, top + h, ratio, 4 * ratio);
        // Keep the last label inside the canvas.
        ctx.fillText(label, Math.min(x, this.axes.width - half - ratio), top + h + 6 * ratio);
      }
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const b of this.bands) {
      const yTop = top + b.top / s;
      const yBottom = top + (b.top + b.height) / s;
      ctx.fillStyle = `rgb(${COLORS[b.k % COLORS.length].join(',')})`;
      ctx.fillText(b.name, left - 6 * ratio, (yTop + yBottom) / 2);
      ctx.fillStyle = '#9aa5b1';
      ctx.fillText('0', left - 6 * ratio, yBottom - 6 * ratio);
      if (b.height / s > 40 * ratio) ctx.fillText(String(b.n - 1), left - 6 * ratio, yTop + 6 * ratio);
    }
  }
}
