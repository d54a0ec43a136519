/**
 * Run-time state behind two STDP shortcuts: neuron-level traces whose decay is one number
 * (decisions/0004), and on_post code deferred to each source's next delivery (decisions/0005).
 */

/**
 * Beyond this range a trace's scale is folded into its stored values (every ~200 time constants),
 * far from where stored values or increments over the scale could overflow.
 */
const MIN_SCALE = 2 ** -300;
const MAX_SCALE = 2 ** 300;

/**
 * A trace kept once per neuron. Its value at step k is `stored[n] * scale[0]` with
 * scale = exp(rate · dt · (k − start)), so decaying every neuron costs one exponential per step
 * instead of a pass over the neurons, and an increment c is stored as c / scale.
 */
export class NeuronTrace {
  readonly stored: Float64Array;
  /** The scale of the current step, read by kernels as `TRS_x[0]`. */
  readonly scale = new Float64Array([1]);
  private start = 0;

  constructor(
    size: number,
    private readonly rate: number,
    private readonly dt: number,
  ) {
    this.stored = new Float64Array(size);
  }

  /**
   * Sets the scale for step k. When it would leave [MIN_SCALE, MAX_SCALE] the stored values absorb
   * it (the values stay the same), after `beforeRebase` has used the old stored values.
   */
  advance(k: number, beforeRebase?: () => void): void {
    let g = Math.exp(this.rate * this.dt * (k - this.start));
    if (g < MIN_SCALE || g > MAX_SCALE) {
      beforeRebase?.();
      for (let n = 0; n < this.stored.length; n++) this.stored[n]! *= g;
      this.start = k;
      g = 1;
    }
    this.scale[0] = g;
  }
}

/**
 * Postsynaptic spikes whose deferred on_post code has not yet run for every synapse. Each neuron's
 * entries form a linked list (`head[n]` its latest, `prev[e]` the one before); entry e also keeps
 * the scale of each presynaptic trace at its step, so the deferred code reads the very numbers the
 * immediate code would have. Source p's synapses have run the entries below `flushed[p]`.
 */
export class PostSpikeLog {
  readonly head: Int32Array;
  readonly prev: Int32Array;
  readonly flushed: Int32Array;
  /** Per presynaptic trace read by on_post, its scale at each entry. */
  readonly scales: Float64Array[];
  /** Scratch: one synapse's pending entries, collected newest first and replayed oldest first. */
  readonly pending: Int32Array;
  length = 0;

  constructor(
    nPre: number,
    nPost: number,
    private readonly traces: NeuronTrace[],
    /** Entries before every source must catch up and the log starts over. */
    readonly capacity: number,
  ) {
    this.head = new Int32Array(nPost).fill(-1);
    this.prev = new Int32Array(capacity);
    this.flushed = new Int32Array(nPre);
    this.scales = traces.map(() => new Float64Array(capacity));
    this.pending = new Int32Array(capacity);
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  add(n: number): void {
    const e = this.length++;
    this.prev[e] = this.head[n]!;
    this.head[n] = e;
    for (let k = 0; k < this.traces.length; k++) this.scales[k]![e] = this.traces[k]!.scale[0]!;
  }

  /** Starts over; every source must have run every entry. */
  clear(): void {
    this.length = 0;
    this.head.fill(-1);
    this.flushed.fill(0);
  }

  byteLength(): number {
    return (
      this.head.byteLength +
      this.prev.byteLength +
      this.flushed.byteLength +
      this.pending.byteLength +
      this.scales.reduce((a, s) => a + s.byteLength, 0)
    );
  }
}
