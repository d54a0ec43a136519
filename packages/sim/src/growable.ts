/** Append-only typed arrays that double when full (monitors record without per-sample allocation). */
export class GrowableF64 {
  data: Float64Array;
  length = 0;
  constructor(initial = 1024) {
    this.data = new Float64Array(Math.max(16, initial));
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
  slice(from = 0, to = this.length): number[] {
    return Array.from(this.data.subarray(from, to));
  }
}

export class GrowableI32 {
  data: Int32Array;
  length = 0;
  constructor(initial = 1024) {
    this.data = new Int32Array(Math.max(16, initial));
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(Math.ceil(this.data.length * 1.5));
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
  slice(from = 0, to = this.length): number[] {
    return Array.from(this.data.subarray(from, to));
  }
}
