/**
 * Monitors, in Brian 2's schedule: state monitors record at the start of a step (the state at t_k
 * before the update), spike monitors after the thresholds, rate monitors at the end of the step.
 * Each keeps what it recorded since the last chunk so the run can stream it.
 */
import type { MonitorResult, StreamEvent } from './contract.js';
import { GrowableF64, GrowableI32 } from './growable.js';
import type { GroupRuntime, Recorder } from './runtime.js';

export interface MonitorRuntime {
  name: string;
  stream: boolean;
  /** Called at the slot the monitor belongs to. */
  start?: (k: number, t: number) => void;
  afterThresholds?: (k: number) => void;
  end?: (k: number) => void;
  /** What was recorded since the last call, as a stream event (undefined if nothing). */
  flush(): StreamEvent | undefined;
  result(): MonitorResult;
  /** Samples stored so far (for limits and stats). */
  samples(): number;
}

/** Time of step k, computed (never accumulated), as Brian 2's clock does. */
const stepTime = (k: number, dt: number): number => k * dt;

export class SpikeMonitorRT implements MonitorRuntime {
  private readonly iRec = new GrowableI32();
  private readonly kRec = new GrowableI32();
  private readonly counts: Int32Array;
  private flushed = 0;
  constructor(
    readonly name: string,
    readonly stream: boolean,
    private readonly group: GroupRuntime,
    private readonly lo: number,
    private readonly hi: number,
    private readonly record: boolean | Set<number>,
    private readonly dt: number,
  ) {
    this.counts = new Int32Array(hi - lo);
  }
  afterThresholds(k: number): void {
    const { spikes, nspikes } = this.group;
    const { lo, hi, record } = this;
    for (let s = 0; s < nspikes; s++) {
      const idx = spikes[s]!;
      if (idx < lo || idx >= hi) continue;
      const rel = idx - lo;
      this.counts[rel]!++;
      if (record === true || (record instanceof Set && record.has(rel))) {
        this.iRec.push(rel);
        this.kRec.push(k);
      }
    }
  }
  flush(): StreamEvent | undefined {
    if (!this.stream || this.iRec.length === this.flushed) return undefined;
    const from = this.flushed;
    this.flushed = this.iRec.length;
    return { type: 'spikes', monitor: this.name, i: this.iRec.slice(from), t: this.times(from) };
  }
  private times(from: number): number[] {
    const out = new Array<number>(this.kRec.length - from);
    for (let k = from; k < this.kRec.length; k++) out[k - from] = stepTime(this.kRec.data[k]!, this.dt);
    return out;
  }
  result(): MonitorResult {
    return { type: 'spikes', i: this.iRec.slice(), t: this.times(0), count: Array.from(this.counts) };
  }
  samples(): number {
    return this.iRec.length;
  }
}

export class StateMonitorRT implements MonitorRuntime {
  private readonly t = new GrowableF64(256);
  private readonly values: GrowableF64[][];
  private flushed = 0;
  constructor(
    readonly name: string,
    readonly stream: boolean,
    private readonly variables: string[],
    private readonly recorders: Recorder[],
    private readonly record: number[],
    private readonly every: number,
    private readonly dt: number,
    /** Maps a recorded index to the element index the recorder reads. */
    private readonly elementOf: (r: number) => number,
  ) {
    this.values = variables.map(() => record.map(() => new GrowableF64(256)));
  }
  start(k: number): void {
    if (k % this.every !== 0) return;
    const t = stepTime(k, this.dt);
    this.t.push(t);
    for (let v = 0; v < this.recorders.length; v++) {
      const rec = this.recorders[v]!;
      const rows = this.values[v]!;
      for (let r = 0; r < this.record.length; r++) rows[r]!.push(rec(this.elementOf(this.record[r]!), t));
    }
  }
  private shape(from: number): { t: number[]; record: number[]; values: Record<string, number[][]> } {
    const values: Record<string, number[][]> = {};
    this.variables.forEach((v, k) => (values[v] = this.values[k]!.map((g) => g.slice(from))));
    return { t: this.t.slice(from), record: this.record, values };
  }
  flush(): StreamEvent | undefined {
    if (!this.stream || this.t.length === this.flushed) return undefined;
    const from = this.flushed;
    this.flushed = this.t.length;
    return { type: 'state', monitor: this.name, ...this.shape(from) };
  }
  result(): MonitorResult {
    return { type: 'state', ...this.shape(0) };
  }
  samples(): number {
    return this.t.length * this.record.length * this.variables.length;
  }
}

export class RateMonitorRT implements MonitorRuntime {
  private readonly t = new GrowableF64(256);
  private readonly rate = new GrowableF64(256);
  private acc = 0;
  private inBin = 0;
  private binIndex = 0;
  private flushed = 0;
  constructor(
    readonly name: string,
    readonly stream: boolean,
    private readonly group: GroupRuntime,
    private readonly lo: number,
    private readonly hi: number,
    private readonly binSteps: number,
    private readonly dt: number,
  ) {}
  end(): void {
    const { spikes, nspikes } = this.group;
    let c = 0;
    if (this.lo === 0 && this.hi === this.group.N) c = nspikes;
    else for (let s = 0; s < nspikes; s++) if (spikes[s]! >= this.lo && spikes[s]! < this.hi) c++;
    this.acc += c;
    if (++this.inBin === this.binSteps) {
      this.t.push(stepTime(this.binIndex * this.binSteps, this.dt));
      this.rate.push(this.acc / ((this.hi - this.lo) * this.binSteps * this.dt));
      this.binIndex++;
      this.acc = 0;
      this.inBin = 0;
    }
  }
  flush(): StreamEvent | undefined {
    if (!this.stream || this.t.length === this.flushed) return undefined;
    const from = this.flushed;
    this.flushed = this.t.length;
    return { type: 'rate', monitor: this.name, t: this.t.slice(from), rate: this.rate.slice(from) };
  }
  result(): MonitorResult {
    return { type: 'rate', t: this.t.slice(), rate: this.rate.slice() };
  }
  samples(): number {
    return this.t.length;
  }
}

export class SnapshotRT implements MonitorRuntime {
  readonly stream = false;
  constructor(
    readonly name: string,
    private readonly take: () => MonitorResult,
  ) {}
  flush(): undefined {
    return undefined;
  }
  result(): MonitorResult {
    return this.take();
  }
  samples(): number {
    return 0;
  }
}
