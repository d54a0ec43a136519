/**
 * compile(spec): validation (zod schema), namespace, groups, synapses, monitors — every problem is
 * collected and returned at once; nothing runs and nothing large is allocated until `build`.
 */
import { parseNetworkSpec, type NetworkSpec, parseGroupRef } from '@volley/spec';
import type { Diagnostic, NetworkSize } from './contract.js';
import { wallSeconds } from './clock.js';
import { Reporter } from './diagnostics.js';
import { compilePoissonGroup, compileSpikeGenerator, type CompiledInputGroup } from './input-groups.js';
import {
  SpikeMonitorRT,
  StateMonitorRT,
  RateMonitorRT,
  SnapshotRT,
  type MonitorRuntime,
} from './monitors.js';
import { buildNamespace, evalQuantity, namespaceScope, type Namespace } from './namespace.js';
import { compileNeuronGroup, type CompiledNeuronGroup } from './neuron-group.js';
import { randomSeed } from './rng.js';
import type { GroupRuntime } from './runtime.js';
import { compileSynapses, type CompiledSynapses, type SynapsesRuntime } from './synapses.js';
import { SECOND } from './units.js';
import type { ThreadOptions } from './threads.js';

/** A compiled, runnable network. */
export interface Program {
  readonly seed: number;
  readonly dt: number;
  readonly duration: number;
  readonly steps: number;
  readonly size: NetworkSize;
  /** Seconds spent in compile(). */
  readonly compileTime: number;
  /** The validated spec (defaults filled in, seed set). */
  readonly spec: NetworkSpec;
  /** Allocates and initialises the network (synapses are built here). */
  build(): NetworkRuntime;
}

export interface NetworkRuntime {
  groups: GroupRuntime[];
  synapses: SynapsesRuntime[];
  monitors: MonitorRuntime[];
}

export type CompileResult = { ok: true; program: Program } | { ok: false; diagnostics: Diagnostic[] };

type CompiledGroup = CompiledNeuronGroup | CompiledInputGroup;

/** Validates and compiles a spec (parsed JSON). Never throws for user mistakes. */
export interface CompileOptions {
  /**
   * Keep STDP traces that are equal for every synapse of a neuron once per neuron (default true,
   * decisions/0004). Off only to compare against the per-synapse implementation.
   */
  neuronLevelTraces?: boolean;
  /**
   * Run neuron groups with exact linear updates as WebAssembly SIMD kernels (default true). The
   * results are the same bit for bit; off only to compare with the JavaScript kernels.
   */
  wasmKernels?: boolean;
  /**
   * Split the step of large neuron groups on WebAssembly kernels across threads (threads.ts;
   * default one thread). Same results bit for bit.
   */
  threads?: ThreadOptions;
}

export function compile(input: unknown, options: CompileOptions = {}): CompileResult {
  const started = wallSeconds();
  const parsed = parseNetworkSpec(input);
  if (!parsed.ok) return { ok: false, diagnostics: parsed.diagnostics };
  const spec = parsed.spec;
  const rep = new Reporter();
  const ns = buildNamespace(spec.constants, rep);
  const scope = namespaceScope(ns);
  const dtQ = evalQuantity(spec.dt, 'dt', scope, rep, SECOND);
  const durQ = evalQuantity(spec.duration, 'duration', scope, rep, SECOND);
  if (dtQ && !(dtQ.value > 0)) rep.field('invalid_value', 'dt', 'dt must be positive');
  if (durQ && !(durQ.value >= 0)) rep.field('invalid_value', 'duration', 'duration cannot be negative');
  if (rep.count > 0) return { ok: false, diagnostics: rep.diagnostics };
  const dt = dtQ!.value;
  const duration = durQ!.value;
  const steps = Math.round(duration / dt);

  const groups = new Map<string, CompiledGroup>();
  for (const [name, g] of Object.entries(spec.groups)) {
    const c =
      g.type === 'neurons'
        ? compileNeuronGroup(name, g, ns, dt, rep)
        : g.type === 'poisson'
          ? compilePoissonGroup(name, g, ns, dt, rep)
          : compileSpikeGenerator(name, g, ns, dt, rep);
    if (c) groups.set(name, c);
  }
  const synapses = new Map<string, CompiledSynapses>();
  const written = new Map<string, Set<string>>();
  // Synaptic variables that monitors record (traces then keep a last-update time per synapse).
  const monitored = new Map<string, Set<string>>();
  for (const m of Object.values(spec.monitors ?? {})) {
    if (m.type !== 'state' && m.type !== 'snapshot') continue;
    const src = parseGroupRef(m.source)?.name ?? m.source;
    const set = monitored.get(src) ?? new Set<string>();
    for (const v of m.variables) set.add(v);
    monitored.set(src, set);
  }
  for (const [name, s] of Object.entries(spec.synapses ?? {})) {
    const c = compileSynapses(
      name,
      s,
      groups,
      ns,
      dt,
      rep,
      monitored.get(name),
      options.neuronLevelTraces ?? true,
    );
    if (!c) continue;
    synapses.set(name, c);
    for (const [g, vars] of c.writes) {
      const set = written.get(g) ?? new Set<string>();
      for (const v of vars) set.add(v);
      written.set(g, set);
    }
  }
  // Groups whose not_refractory flag synaptic code may read keep it as an array.
  const flagReaders = new Set<string>();
  for (const s of Object.values(spec.synapses ?? {})) {
    if (!/not_refractory/.test(JSON.stringify(s))) continue;
    for (const ref of [s.source, s.target]) {
      const r = parseGroupRef(ref);
      if (r) flagReaders.add(r.name);
    }
  }
  for (const g of groups.values())
    if (g.kind === 'neurons') g.finalize(written.get(g.name) ?? new Set(), flagReaders.has(g.name));

  // Monitors.
  type MonitorFactory = (rt: {
    groups: Map<string, GroupRuntime>;
    synapses: Map<string, SynapsesRuntime>;
  }) => MonitorRuntime;
  const monitors: MonitorFactory[] = [];
  let recordedSamples = 0;
  for (const [name, m] of Object.entries(spec.monitors ?? {})) {
    const path = `monitors.${name}`;
    const ref = parseGroupRef(m.source)!;
    const group = groups.get(ref.name);
    const syn = synapses.get(ref.name);
    if (!group && !syn) continue; // the schema reported it; the group itself had errors
    const lo = ref.slice?.start ?? 0;
    const hi = ref.slice?.stop ?? group?.N ?? 0;
    if (m.type === 'spikes' || m.type === 'rate') {
      if (!group) {
        rep.field(
          'invalid_reference',
          `${path}.source`,
          `a ${m.type} monitor needs a group, "${ref.name}" is synapses`,
        );
        continue;
      }
      if (m.type === 'spikes') {
        const record =
          m.record === undefined || m.record === true ? true : m.record === false ? false : new Set(m.record);
        recordedSamples += Math.ceil(
          (record === true ? hi - lo : record === false ? 0 : record.size) * 100 * duration,
        );
        monitors.push(
          (rt) => new SpikeMonitorRT(name, m.stream, rt.groups.get(ref.name)!, lo, hi, record, dt),
        );
      } else {
        let binSteps = 1;
        if (m.bin !== undefined) {
          const b = evalQuantity(m.bin, `${path}.bin`, scope, rep, SECOND);
          if (!b) continue;
          binSteps = Math.round(b.value / dt);
          if (binSteps < 1 || Math.abs(binSteps * dt - b.value) > 1e-6 * dt) {
            rep.field('invalid_value', `${path}.bin`, `the bin must be a positive multiple of dt (${dt} s)`);
            continue;
          }
        }
        recordedSamples += Math.ceil(steps / binSteps);
        monitors.push(
          (rt) => new RateMonitorRT(name, m.stream, rt.groups.get(ref.name)!, lo, hi, binSteps, dt),
        );
      }
      continue;
    }
    // state and snapshot: variables must exist.
    const known = group ? recordable(group) : syn!.recordable();
    let bad = false;
    m.variables.forEach((v, k) => {
      if (!known.includes(v)) {
        rep.field(
          'unknown_identifier',
          `${path}.variables.${k}`,
          `"${v}" is not a variable of "${ref.name}"`,
          known.length ? [`known: ${known.join(', ')}`] : [],
        );
        bad = true;
      }
    });
    if (bad) continue;
    if (m.type === 'snapshot') {
      monitors.push(
        (rt) =>
          new SnapshotRT(name, () =>
            group
              ? snapshotGroup(rt.groups.get(ref.name)!, m.variables, lo, hi)
              : rt.synapses.get(ref.name)!.snapshot(m.variables),
          ),
      );
      continue;
    }
    let every = 1;
    if (m.dt !== undefined) {
      const q = evalQuantity(m.dt, `${path}.dt`, scope, rep, SECOND);
      if (!q) continue;
      every = Math.round(q.value / dt);
      if (every < 1 || Math.abs(every * dt - q.value) > 1e-6 * dt) {
        rep.field(
          'invalid_value',
          `${path}.dt`,
          `a monitor's dt must be a positive multiple of the clock's dt (${dt} s)`,
        );
        continue;
      }
    }
    const size = group ? hi - lo : undefined;
    if (group && Array.isArray(m.record)) {
      const badIdx = m.record.findIndex((r) => r >= size!);
      if (badIdx >= 0) {
        rep.field(
          'invalid_value',
          `${path}.record.${badIdx}`,
          `index ${m.record[badIdx]} is out of range for "${m.source}" (size ${size})`,
        );
        continue;
      }
    }
    const nrec = m.record === true ? (size ?? syn!.expectedCount) : m.record.length;
    recordedSamples += Math.ceil(steps / every) * nrec * m.variables.length;
    monitors.push((rt) => {
      if (group) {
        const g = rt.groups.get(ref.name)!;
        const record = m.record === true ? range(hi - lo) : m.record;
        const recs = m.variables.map((v) => g.recorder(v)!);
        return new StateMonitorRT(name, m.stream, m.variables, recs, record, every, dt, (r) => r + lo);
      }
      const s = rt.synapses.get(ref.name)!;
      const record = m.record === true ? range(s.count) : m.record;
      const recs = m.variables.map((v) => s.recorder(v)!);
      return new StateMonitorRT(name, m.stream, m.variables, recs, record, every, dt, (r) =>
        s.storageIndex(r),
      );
    });
  }
  if (rep.count > 0) return { ok: false, diagnostics: rep.diagnostics };

  const neurons = [...groups.values()].reduce((a, g) => a + g.N, 0);
  const nsyn = [...synapses.values()].reduce((a, s) => a + s.expectedCount, 0);
  const seed = spec.seed ?? randomSeed();
  const finalSpec: NetworkSpec = { ...spec, seed };
  const size: NetworkSize = {
    neurons,
    synapses: Math.round(nsyn),
    steps,
    recordedSamples,
    memoryBytes: Math.round(neurons * 8 * 8 + nsyn * 16 + recordedSamples * 12 + 1e6),
  };
  const program: Program = {
    seed,
    dt,
    duration,
    steps,
    size,
    compileTime: wallSeconds() - started,
    spec: finalSpec,
    build: () => {
      const bc = { seed, dt, ns, wasm: options.wasmKernels ?? true, threads: options.threads };
      const gr = new Map<string, GroupRuntime>();
      for (const [n, g] of groups) gr.set(n, g.build(bc));
      const sr = new Map<string, SynapsesRuntime>();
      for (const [n, s] of synapses) sr.set(n, s.build({ ...bc, groups: gr }));
      const mons = monitors.map((f) => f({ groups: gr, synapses: sr }));
      return { groups: [...gr.values()], synapses: [...sr.values()], monitors: mons };
    },
  };
  return { ok: true, program };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, k) => k);
}

function recordable(g: CompiledGroup): string[] {
  if (g.kind === 'neurons') return [...g.model.vars.keys(), ...g.model.broken, 'lastspike', 'not_refractory'];
  if (g.kind === 'poisson') return ['rates'];
  return [];
}

function snapshotGroup(g: GroupRuntime, variables: string[], lo: number, hi: number) {
  const values: Record<string, number[]> = {};
  for (const v of variables) {
    const rec = g.recorder(v)!;
    const out: number[] = [];
    for (let idx = lo; idx < hi; idx++) out.push(rec(idx, 0));
    values[v] = out;
  }
  return { type: 'snapshot' as const, values };
}

export type { Namespace };
