/**
 * Input generators. PoissonGroup: neuron i spikes in a step iff rand() < rates·dt (Brian 2). With
 * rates that do not depend on t, the steps between spikes are drawn directly from the equivalent
 * geometric distribution, so a quiet neuron costs one comparison per step instead of one random
 * number. SpikeGeneratorGroup: spike times binned as int((t + 1e-3·dt)/dt), sorted by (step, index),
 * optionally repeated with a period.
 */
import type { PoissonGroup, SpikeGeneratorGroup } from '@volley/spec';
import { calls, identifiers } from './ast.js';
import { typeOf, type Sym } from './check.js';
import { emit, literal } from './codegen.js';
import { kernelHelpers } from './codegen.js';
import type { Reporter } from './diagnostics.js';
import { makeKernel } from './kernel.js';
import { evalQuantity, namespaceScope, parseField, unitScope, type Namespace } from './namespace.js';
import { Rng } from './rng.js';
import type { GroupRuntime } from './runtime.js';
import { DIMENSIONLESS, HERTZ_DIM, SECOND, dimEq, dimName } from './units.js';
import { timedArrayHelper } from './timed.js';

const INPUT_BUILTINS: [string, Sym][] = [
  ['t', { kind: 'builtin', dim: SECOND, bool: false }],
  ['dt', { kind: 'builtin', dim: SECOND, bool: false }],
  ['i', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
  ['N', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
];

export interface CompiledInputGroup {
  kind: 'poisson' | 'spikes';
  name: string;
  N: number;
  symbols: Map<string, Sym>;
  build(bc: { seed: number; dt: number; ns: Namespace }): GroupRuntime;
}

export function compilePoissonGroup(
  name: string,
  spec: PoissonGroup,
  ns: Namespace,
  dt: number,
  rep: Reporter,
): CompiledInputGroup | undefined {
  const path = `groups.${name}.rates`;
  const symbols = new Map<string, Sym>([
    ...INPUT_BUILTINS,
    ['rates', { kind: 'var', dim: HERTZ_DIM, bool: false }],
  ]);
  if (typeof spec.rates === 'number') {
    rep.field('dimension_mismatch', path, `rates must be in hertz; write "${spec.rates}*Hz"`);
    return undefined;
  }
  const expr = parseField(spec.rates, path, rep);
  if (!expr) return undefined;
  const scope = namespaceScope(
    ns,
    (n) => (n === 'rates' ? undefined : symbols.get(n)),
    () => INPUT_BUILTINS.map(([n]) => n),
  );
  const t = typeOf(expr, scope, { path, src: spec.rates }, rep);
  if (!t) return undefined;
  if (!dimEq(t.dim, HERTZ_DIM)) {
    rep.at(
      'dimension_mismatch',
      path,
      spec.rates,
      expr.pos,
      expr.end - expr.pos,
      `rates must be in hertz, got ${dimName(t.dim)}`,
    );
    return undefined;
  }
  const constant = t.value;
  const N = spec.N;
  const timeDependent = identifiers(expr).has('t') || [...calls(expr)].some((f) => ns.timed.has(f));
  const ctx = {
    ref: (n: string): string => {
      if (n === 't') return 't';
      if (n === 'dt') return literal(dt);
      if (n === 'i') return 'idx';
      if (n === 'N') return literal(N);
      const c = ns.constants.get(n);
      if (c) return literal(c.value);
      const u = unitScope().lookup(n);
      if (u?.value !== undefined) return literal(u.value);
      throw new Error(`emit: unresolved ${n}`);
    },
    timed: (n: string, args: string[]) => `T.get(${JSON.stringify(n)})(${args.join(', ')})`,
  };
  const rateCode = emit(expr, ctx);
  return {
    kind: 'poisson',
    name,
    N,
    symbols,
    build: (bc) => {
      const rng = new Rng(bc.seed, name, 'dynamics');
      const spikes = new Int32Array(N);
      const timed = new Map<string, (t: number, i?: number) => number>();
      for (const [tn, ta] of bc.ns.timed) timed.set(tn, timedArrayHelper(ta, dt));
      const F = kernelHelpers(rng);
      const rateOf = makeKernel<(idx: number, t: number) => number>(
        ['T', 'F'],
        `return function (idx, t) { return ${rateCode}; };`,
        [timed, F],
      );
      const rates = new Float64Array(N);
      const rt: GroupRuntime = {
        name,
        kind: 'poisson',
        N,
        arrays: new Map([['rates', rates]]),
        spikes,
        nspikes: 0,
        update: () => undefined,
        reset: () => undefined,
        recorder: (v) => (v === 'rates' ? (idx, t) => rateOf(idx, t) : undefined),
      };
      if (timeDependent) {
        rt.update = (_k, t) => {
          let ns = 0;
          for (let idx = 0; idx < N; idx++) {
            const p = rateOf(idx, t) * dt;
            rates[idx] = p / dt;
            if (rng.rand() < p) spikes[ns++] = idx;
          }
          rt.nspikes = ns;
        };
        return rt;
      }
      // Per-neuron constant probability: next spike step drawn from the geometric distribution.
      const next = new Float64Array(N);
      const logq = new Float64Array(N);
      const draw = (idx: number, from: number): number => {
        const q = logq[idx]!;
        if (q === 0) return Infinity; // p = 0
        if (q === -Infinity) return from; // p >= 1: every step
        return from + rng.geometric(q);
      };
      for (let idx = 0; idx < N; idx++) {
        const r = constant ?? rateOf(idx, 0);
        rates[idx] = r;
        const p = r * dt;
        logq[idx] = p >= 1 ? -Infinity : p <= 0 ? 0 : Math.log1p(-p);
        next[idx] = draw(idx, 0);
      }
      rt.update = (k) => {
        let ns = 0;
        for (let idx = 0; idx < N; idx++) {
          if (next[idx] === k) {
            spikes[ns++] = idx;
            next[idx] = draw(idx, k + 1);
          }
        }
        rt.nspikes = ns;
      };
      return rt;
    },
  };
}

export function compileSpikeGenerator(
  name: string,
  spec: SpikeGeneratorGroup,
  ns: Namespace,
  dt: number,
  rep: Reporter,
): CompiledInputGroup | undefined {
  const path = `groups.${name}`;
  const before = rep.count;
  let times: number[] = [];
  if (Array.isArray(spec.times)) {
    spec.times.forEach((x, k) => {
      const q = evalQuantity(x, `${path}.times.${k}`, namespaceScope(ns), rep, SECOND);
      if (q) times.push(q.value);
    });
  } else {
    const unit = evalQuantity(spec.times.unit, `${path}.times.unit`, unitScope(), rep, SECOND);
    if (unit) times = spec.times.values.map((v) => v * unit.value);
  }
  if (times.length !== spec.indices.length && rep.count === before) {
    rep.field(
      'invalid_value',
      `${path}.times`,
      `needs one time per index: ${spec.indices.length} indices, ${times.length} times`,
    );
  }
  let periodSteps = 0;
  if (spec.period !== undefined) {
    const q = evalQuantity(spec.period, `${path}.period`, namespaceScope(ns), rep, SECOND);
    if (q) periodSteps = Math.round(q.value / dt);
  }
  if (rep.count > before) return undefined;
  const events = spec.indices.map((i, k) => ({ i, step: Math.trunc((times[k]! + 1e-3 * dt) / dt) }));
  events.sort((a, b) => a.step - b.step || a.i - b.i);
  for (let k = 1; k < events.length; k++) {
    const a = events[k - 1]!;
    const b = events[k]!;
    if (a.i === b.i && a.step === b.step) {
      rep.field(
        'invalid_value',
        `${path}.times`,
        `neuron ${a.i} has two spikes in time step ${a.step} (dt = ${dt * 1000} ms); Brian 2 rejects this too`,
      );
      return undefined;
    }
  }
  if (periodSteps > 0 && events.length > 0 && events[events.length - 1]!.step >= periodSteps) {
    rep.field('invalid_value', `${path}.period`, `the period must be longer than the last spike time`);
    return undefined;
  }
  const N = spec.N;
  const stepOf = Int32Array.from(events, (e) => e.step);
  const idxOf = Int32Array.from(events, (e) => e.i);
  return {
    kind: 'spikes',
    name,
    N,
    symbols: new Map(INPUT_BUILTINS),
    build: () => {
      const spikes = new Int32Array(Math.max(N, 1));
      let cursor = 0;
      let offset = 0;
      const rt: GroupRuntime = {
        name,
        kind: 'spikes',
        N,
        arrays: new Map(),
        spikes,
        nspikes: 0,
        update: (k) => {
          if (periodSteps > 0 && k - offset >= periodSteps) {
            offset += periodSteps;
            cursor = 0;
          }
          const local = k - offset;
          let ns = 0;
          while (cursor < stepOf.length && stepOf[cursor]! < local) cursor++;
          while (cursor < stepOf.length && stepOf[cursor] === local) spikes[ns++] = idxOf[cursor++]!;
          rt.nspikes = ns;
        },
        reset: () => undefined,
        recorder: () => undefined,
      };
      return rt;
    },
  };
}
