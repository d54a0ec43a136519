// The population rate under the raster: spikes per neuron per second, in bins of simulated time,
// accumulated from the same spike batches and redrawn (a few hundred points) once per frame.

import { FramePlot, fitCanvas, ticks } from './axes.js';

export class RatePlot extends FramePlot {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.reset(0);
    new ResizeObserver(() => this.schedule()).observe(canvas);
  }

  reset(duration) {
    this.duration = 0;
    this.bins = new Float64Array(0);
    this.pending = [];
    this.reached = 0;
    this.setDuration(duration);
    this.schedule();
  }

  setDuration(duration) {
    // The duration is derived from each progress message (t·steps/step): ignore rounding noise.
    if (!(duration > 0) || Math.abs(duration - this.duration) <= 1e-9 * duration) return;
    if (this.duration > 0) return; // fixed once known: re-binning would lose the counts
    this.duration = duration;
    // About 1 ms bins, between 20 and 400 of them.
    const n = Math.max(20, Math.min(400, Math.round(duration / 1e-3)));
    this.bins = new Float64Array(n);
    this.binWidth = duration / n;
    const held = this.pending;
    this.pending = [];
    for (const t of held) this.addTimes(t);
    this.schedule();
  }

  addTimes(t) {
    if (!(this.duration > 0)) {
      this.pending.push(Array.from(t));
      return;
    }
    const n = this.bins.length;
    for (let k = 0; k < t.length; k++) {
      const b = Math.min(n - 1, Math.max(0, Math.floor(t[k] / this.binWidth)));
      this.bins[b] += 1;
    }
    this.schedule();
  }

  /** Simulated time reached: bins after it are not drawn yet. */
  progress(t, neurons) {
    this.reached = t;
    this.neurons = neurons;
    this.schedule();
  }

  paint() {
    this.frame = 0;
    const ratio = fitCanvas(this.canvas);
    const ctx = this.ctx;
    const W = this.canvas.width;
    const H = this.canvas.height;
    const left = 64 * ratio;
    const right = 8 * ratio;
    const top = 6 * ratio;
    const bottom = 6 * ratio;
    const w = W - left - right;
    const h = H - top - bottom;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#0f131a';
    ctx.fillRect(left, top, w, h);
    const n = this.bins.length;
    if (n === 0 || !(this.neurons > 0)) return;
    const scale = 1 / (this.neurons * this.binWidth);
    const shown = Math.min(n, Math.ceil(this.reached / this.binWidth));
    let max = 1;
    for (let k = 0; k < shown; k++) max = Math.max(max, this.bins[k] * scale);
    max *= 1.1;
    ctx.font = `${10 * ratio}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillStyle = '#9aa5b1';
    ctx.strokeStyle = '#2a323c';
    ctx.lineWidth = ratio;
    for (const v of ticks(0, max, 3)) {
      const y = top + h - (v / max) * h;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + w, y);
      ctx.stroke();
      ctx.fillText(`${v} Hz`, left - 4 * ratio, y);
    }
    ctx.beginPath();
    ctx.strokeStyle = '#5ec4ff';
    ctx.lineWidth = 1.5 * ratio;
    for (let k = 0; k < shown; k++) {
      const x = left + ((k + 0.5) / n) * w;
      const y = top + h - ((this.bins[k] * scale) / max) * h;
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
}
