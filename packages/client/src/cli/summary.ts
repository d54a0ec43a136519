/**
 * The one-screen summary of a results document: the run (seed, steps, times) and one line per
 * monitor — for spike monitors the spike count and the mean rate per neuron.
 */
import type { MonitorResult, Results } from '@volley/spec';

export function formatQuantity(value: number, unit: string): string {
  const a = Math.abs(value);
  const prefixes: [number, string][] = [
    [1, ''],
    [1e-3, 'm'],
    [1e-6, 'µ'],
    [1e-9, 'n'],
  ];
  if (a === 0) return `0 ${unit}`;
  for (const [scale, p] of prefixes) {
    if (a >= scale) return `${trim(value / scale)} ${p}${unit}`;
  }
  return `${value.toExponential(3)} ${unit}`;
}

function trim(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatRate(hz: number): string {
  if (hz >= 1e6) return `${trim(hz / 1e6)} MHz`;
  if (hz >= 1e4) return `${trim(hz / 1e3)} kHz`;
  return `${hz.toFixed(hz >= 100 ? 0 : hz >= 10 ? 1 : 2)} Hz`;
}

/** Mean of the finite values (`null` stands for NaN/±Infinity in results). */
function mean(xs: ArrayLike<number | null>): number {
  let s = 0;
  let n = 0;
  for (let k = 0; k < xs.length; k++) {
    const x = xs[k];
    if (typeof x === 'number' && Number.isFinite(x)) {
      s += x;
      n++;
    }
  }
  return n === 0 ? 0 : s / n;
}

/** Spikes of a spike monitor: recorded spikes, or the counts when `record: false`. */
export function spikeTotal(m: Extract<MonitorResult, { type: 'spikes' }>): number {
  if (m.i.length > 0) return m.i.length;
  let s = 0;
  for (const c of m.count) s += c;
  return s;
}

export function describeMonitor(m: MonitorResult, duration: number): string {
  switch (m.type) {
    case 'spikes': {
      const spikes = spikeTotal(m);
      const neurons = m.count.length;
      const rate = neurons > 0 && duration > 0 ? spikes / (neurons * duration) : 0;
      const plural = neurons === 1 ? 'neuron' : 'neurons';
      return `${formatCount(spikes)} spikes from ${formatCount(neurons)} ${plural}, mean ${formatRate(rate)} per neuron`;
    }
    case 'state': {
      const vars = Object.keys(m.values);
      const traces = m.record.length;
      return `${vars.join(', ') || '(no variables)'}: ${formatCount(traces)} trace${traces === 1 ? '' : 's'} × ${formatCount(m.t.length)} samples`;
    }
    case 'rate':
      return `${formatCount(m.rate.length)} bins, mean ${formatRate(mean(m.rate))}`;
    case 'snapshot': {
      const parts = Object.entries(m.values).map(
        ([name, values]) => `${name}: ${formatCount(values.length)} values, mean ${trim(mean(values))}`,
      );
      return parts.join('; ') || '(no variables)';
    }
  }
}

export function summarize(results: Results, label?: string): string {
  const { stats } = results;
  const head = label === undefined || label === '' ? results.id : label;
  const lines = [
    `${head}: seed ${results.seed}, ${formatCount(stats.steps)} steps (${formatQuantity(results.duration, 's')} at dt ${formatQuantity(results.dt, 's')})`,
    `wall time ${formatQuantity(stats.wall_time_s, 's')} (build ${formatQuantity(stats.build_time_s, 's')}, total ${formatQuantity(stats.total_time_s, 's')}), ${formatCount(stats.spikes)} spikes, ${formatCount(stats.synaptic_events)} synaptic events`,
  ];
  const entries = Object.entries(results.monitors);
  if (entries.length > 0) {
    const nameWidth = Math.max(7, ...entries.map(([n]) => n.length));
    lines.push('');
    for (const [name, m] of entries) {
      lines.push(`  ${name.padEnd(nameWidth)}  ${m.type.padEnd(8)}  ${describeMonitor(m, results.duration)}`);
    }
  }
  return lines.join('\n');
}
