/**
 * Brian 2's TimedArray look-up: the value for time t is entry ⌊(t/dt_clock rounded)/K⌋ with
 * K = dt_array/dt_clock, clipped to the array's ends (Brian 2's numpy implementation).
 */
import type { TimedArray } from './namespace.js';

export function timedArrayHelper(ta: TimedArray, dtClock: number): (t: number, i?: number) => number {
  const ratio = ta.dt / dtClock;
  const K = Math.round(ratio);
  const integral = Math.abs(ratio - K) < 1e-9 && K >= 1;
  const { values, rows, cols } = ta;
  const row = integral
    ? (t: number) => Math.min(Math.max(Math.floor(Math.round(t / dtClock) / K), 0), rows - 1)
    : (t: number) => Math.min(Math.max(Math.floor(t / ta.dt + 1e-9), 0), rows - 1);
  if (cols === 1) return (t) => values[row(t)]!;
  return (t, i = 0) => values[row(t) * cols + Math.min(Math.max(Math.trunc(i), 0), cols - 1)]!;
}
