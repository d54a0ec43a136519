/**
 * Brian 2's Synapses: connectivity, synaptic variables, delayed `on_pre` and immediate `on_post`
 * pathways (`on_post` replayed later when that gives the same numbers, decisions/0005),
 * event-driven and clock-driven equations, and summed variables.
 *
 * Storage is compressed-sparse by presynaptic neuron: synapses sorted by (pre, [delay,] creation order),
 * `preOffsets[n]..preOffsets[n+1]` are neuron n's synapses, `post[s]` the target, one Float64Array
 * per synaptic variable. With one shared delay, a synapse with a float64 weight costs 12 bytes.
 * The spike queue is a ring of `maxDelay + 1` slots: with a shared delay a slot holds presynaptic
 * neuron indices, with per-synapse delays (each neuron's synapses regrouped by delay) it holds
 * groups of synapses with one source and one delay.
 * Statements run sequentially in JavaScript, so several synapses onto one target in one step all
 * take effect (`v_post += w` never loses an update).
 */
import type { Synapses, Connect } from '@volley/spec';
import { parseGroupRef } from '@volley/spec';
import { calls, identifiers, mapExpr, name as nameExpr, type Expr, type Statement } from './ast.js';
import { typeOf, type Scope, type Sym } from './check.js';
import { emit, kernelHelpers, literal, type EmitContext } from './codegen.js';
import type { Diagnostic, MonitorResult } from './contract.js';
import { didYouMean, type Reporter } from './diagnostics.js';
import { GrowableI32 } from './growable.js';
import { compileInit, InitLengthError, type Initializer } from './init.js';
import type { CompiledInputGroup } from './input-groups.js';
import { IntegrationError, integrate, evalConst, type Integration } from './integrators.js';
import { makeKernel } from './kernel.js';
import { splitLinear } from './linear.js';
import {
  checkModel,
  inlineSubexpressions,
  mentionsTime,
  modelSymbols,
  parseModel,
  SYNAPSE_FLAGS,
} from './model.js';
import { evalQuantity, namespaceScope, parseField, unitScope, type Namespace } from './namespace.js';
import type { CompiledNeuronGroup } from './neuron-group.js';
import { ParseError, parseExpression, parseStatements } from './parser.js';
import { GeometricSampler, Rng } from './rng.js';
import { NeuronTrace, PostSpikeLog } from './deferred.js';
import type { GroupRuntime, Recorder } from './runtime.js';
import { compileStatements } from './statements.js';
import { timedArrayHelper } from './timed.js';
import { staticUpdates, wasmDelivery } from './synapse-wasm.js';
import { DIMENSIONLESS, SECOND, dimEq, dimName } from './units.js';

type CompiledGroup = CompiledNeuronGroup | CompiledInputGroup;

export interface SynapsesRuntime {
  name: string;
  /** Number of synapses. */
  count: number;
  /** Which kind of kernel delivers `on_pre`. */
  kernel: 'wasm' | 'js';
  /** groups slot, before neuron state updates: summed variables and clock-driven equations. */
  beforeGroups(t: number): void;
  /** synapses slot: queue this step's presynaptic spikes, deliver due ones, run on_post. */
  propagate(k: number, t: number): number;
  recorder(name: string): Recorder | undefined;
  /** Storage index of the synapse with creation index r. */
  storageIndex(r: number): number;
  snapshot(variables: string[]): MonitorResult;
  memoryBytes(): number;
}

export interface CompiledSynapses {
  name: string;
  /** Variables of neuron groups this object writes, by group. */
  writes: Map<string, Set<string>>;
  expectedCount: number;
  recordable(): string[];
  build(bc: {
    seed: number;
    dt: number;
    ns: Namespace;
    groups: Map<string, GroupRuntime>;
    /** Use WebAssembly kernels where they apply (default true). */
    wasm?: boolean;
  }): SynapsesRuntime;
}

const SYN_BUILTINS: [string, Sym][] = [
  ['t', { kind: 'builtin', dim: SECOND, bool: false }],
  ['dt', { kind: 'builtin', dim: SECOND, bool: false }],
  ['i', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
  ['j', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
  ['N_pre', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
  ['N_post', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
  ['delay', { kind: 'builtin', dim: SECOND, bool: false }],
  ['lastupdate', { kind: 'builtin', dim: SECOND, bool: false }],
];

interface Side {
  name: string;
  group: CompiledGroup;
  lo: number;
  hi: number;
}

/** Where a name in synaptic code points. */
type Resolved =
  | { where: 'syn'; name: string }
  | { where: 'pre' | 'post'; name: string }
  | { where: 'builtin'; name: string }
  | undefined;

export function compileSynapses(
  name: string,
  spec: Synapses,
  groups: Map<string, CompiledGroup>,
  ns: Namespace,
  dt: number,
  rep: Reporter,
  /**
   * Synaptic variables that state and snapshot monitors record; undefined when no such monitor
   * reads these synapses (then their creation order need not be kept, see keepOrder).
   */
  monitors?: ReadonlySet<string>,
  /** Keep qualifying STDP traces once per neuron (decisions/0004); off only to compare. */
  neuronLevelTraces = true,
): CompiledSynapses | undefined {
  const path = `synapses.${name}`;
  const before = rep.count;
  const monitored = monitors ?? new Set<string>();
  const sideOf = (ref: string, field: string): Side | undefined => {
    const r = parseGroupRef(ref);
    const g = r && groups.get(r.name);
    if (!r || !g) return undefined; // reported by the schema, or the group had errors
    if (field === 'target' && g.kind !== 'neurons') {
      rep.field(
        'invalid_reference',
        `${path}.${field}`,
        `the target of synapses must be a neuron group; "${r.name}" is a ${g.kind === 'poisson' ? 'Poisson' : 'spike generator'} group`,
      );
      return undefined;
    }
    return { name: r.name, group: g, lo: r.slice?.start ?? 0, hi: r.slice?.stop ?? g.N };
  };
  const pre = sideOf(spec.source, 'source');
  const post = sideOf(spec.target, 'target');
  if (!pre || !post) return undefined;
  const postModel = post.group.kind === 'neurons' ? post.group.model : undefined;
  const preModel = pre.group.kind === 'neurons' ? pre.group.model : undefined;

  const model = parseModel(
    spec.model,
    { path: `${path}.model`, src: spec.model },
    rep,
    unitScope(),
    SYNAPSE_FLAGS,
    new Set(SYN_BUILTINS.map(([n]) => n)),
  );
  const own = modelSymbols(model);
  // Summed variables are named `x_post` and are not synaptic variables of their own.
  const summed = [...model.vars.values()].filter((v) => v.flags.has('summed'));
  for (const v of summed) own.delete(v.name);

  const resolve = (n: string): Resolved => {
    if (own.has(n)) return { where: 'syn', name: n };
    const b = SYN_BUILTINS.find(([b]) => b === n);
    if (b) return { where: 'builtin', name: n };
    const m = /^(.*)_(pre|post)$/.exec(n);
    if (m) {
      const side = m[2] as 'pre' | 'post';
      const g = side === 'pre' ? pre.group : post.group;
      if (g.symbols.has(m[1]!)) return { where: side, name: m[1]! };
      return undefined;
    }
    if (post.group.symbols.has(n) && !['t', 'dt', 'N'].includes(n)) return { where: 'post', name: n };
    return undefined;
  };
  const symOf = (r: Resolved): Sym | undefined => {
    if (!r) return undefined;
    if (r.where === 'syn') return own.get(r.name);
    if (r.where === 'builtin') return SYN_BUILTINS.find(([b]) => b === r.name)![1];
    const g = r.where === 'pre' ? pre.group : post.group;
    return g.symbols.get(r.name);
  };
  const allNames = (): string[] => {
    const out = [...own.keys(), ...SYN_BUILTINS.map(([n]) => n)];
    for (const n of post.group.symbols.keys()) out.push(`${n}_post`, n);
    for (const n of pre.group.symbols.keys()) out.push(`${n}_pre`);
    return out;
  };
  const scope: Scope = namespaceScope(ns, (n) => symOf(resolve(n)), allNames);
  checkModel(model, scope, rep);

  const writes = new Map<string, Set<string>>();
  const noteWrite = (g: string, v: string) => {
    const s = writes.get(g) ?? new Set<string>();
    s.add(v);
    writes.set(g, s);
  };

  // Pathways.
  const pathway = (field: 'on_pre' | 'on_post'): Statement[] => {
    const src = spec[field];
    if (src === undefined) return [];
    const p = `${path}.${field}`;
    const parsed = parseStatements(src);
    for (const e of parsed.errors) rep.at('syntax_error', p, src, e.pos, e.length, e.message);
    for (const s of parsed.statements) {
      const r = resolve(s.target);
      const sym = symOf(r);
      if (sym?.poisoned) continue;
      if (!r || !sym) {
        const m = /^(.*)_(pre|post)$/.exec(s.target);
        const msg = m
          ? `"${m[1]}" is not a variable of the ${m[2] === 'pre' ? 'source' : 'target'} group "${m[2] === 'pre' ? pre.name : post.name}"`
          : `unknown variable "${s.target}"`;
        const cands = m
          ? [...(m[2] === 'pre' ? pre : post).group.symbols.keys()].map((x) => `${x}_${m[2]}`)
          : allNames();
        rep.at('unknown_identifier', p, src, s.targetPos, s.target.length, msg, didYouMean(s.target, cands));
        typeOf(s.expr, scope, { path: p, src }, rep);
        continue;
      }
      if (r.where === 'builtin' || sym.kind === 'sub' || sym.kind === 'const') {
        rep.at('invalid_reference', p, src, s.targetPos, s.target.length, `"${s.target}" cannot be assigned`);
        continue;
      }
      const defModel = r.where === 'syn' ? model : r.where === 'pre' ? preModel : postModel;
      if (defModel?.vars.get(r.name)?.flags.has('constant')) {
        rep.at(
          'invalid_reference',
          p,
          src,
          s.targetPos,
          s.target.length,
          `"${s.target}" is a constant parameter and cannot be assigned`,
        );
        continue;
      }
      if (r.where === 'pre' || r.where === 'post') {
        if ((r.where === 'pre' ? pre : post).group.kind !== 'neurons') {
          rep.at(
            'invalid_reference',
            p,
            src,
            s.targetPos,
            s.target.length,
            `"${s.target}" belongs to an input group and cannot be assigned`,
          );
          continue;
        }
        noteWrite(r.where === 'pre' ? pre.name : post.name, r.name);
      }
      const t = typeOf(s.expr, scope, { path: p, src }, rep);
      if (!t || sym.bool) continue;
      if (s.op === '*=' || s.op === '/=') {
        if (!dimEq(t.dim, DIMENSIONLESS))
          rep.at(
            'dimension_mismatch',
            p,
            src,
            s.expr.pos,
            s.expr.end - s.expr.pos,
            `"${s.op}" needs a dimensionless factor, got ${dimName(t.dim)}`,
          );
      } else if (!dimEq(t.dim, sym.dim) && t.value !== 0) {
        rep.at(
          'dimension_mismatch',
          p,
          src,
          s.expr.pos,
          s.expr.end - s.expr.pos,
          `cannot ${s.op === '=' ? 'assign' : s.op === '+=' ? 'add' : 'subtract'} ${dimName(t.dim)} ${s.op === '-=' ? 'from' : 'to'} "${s.target}" (${dimName(sym.dim)})`,
        );
      }
    }
    return parsed.statements;
  };
  const onPre = pathway('on_pre');
  const onPost = pathway('on_post');

  // Summed variables: target must be a parameter of the post group with the same dimension.
  const summedTargets: { v: (typeof summed)[number]; target: string }[] = [];
  for (const v of summed) {
    const m = /^(.*)_post$/.exec(v.name);
    const p = `${path}.model`;
    if (!m || !postModel?.vars.get(m[1]!)) {
      rep.at(
        'invalid_reference',
        p,
        spec.model,
        v.eq.namePos,
        v.name.length,
        `a summed variable must name a parameter of the target group with "_post" (e.g. "${m?.[1] ?? v.name}_post"); "${v.name}" does not`,
      );
      continue;
    }
    const tv = postModel.vars.get(m[1]!)!;
    if (tv.kind !== 'param') {
      rep.at(
        'invalid_reference',
        p,
        spec.model,
        v.eq.namePos,
        v.name.length,
        `the target of a summed variable must be a parameter of "${post.name}", "${m[1]}" is ${tv.kind === 'state' ? 'a state variable' : 'a subexpression'}`,
      );
      continue;
    }
    if (!dimEq(tv.dim, v.dim)) {
      rep.at(
        'dimension_mismatch',
        p,
        spec.model,
        v.eq.namePos,
        v.name.length,
        `"${v.name}" is in ${dimName(v.dim)} but "${m[1]}" of "${post.name}" is in ${dimName(tv.dim)}`,
      );
      continue;
    }
    noteWrite(post.name, m[1]!);
    summedTargets.push({ v, target: m[1]! });
  }

  // Event-driven equations: dA/dt = a·A + b with constant a, b, solved exactly between events.
  const eventDriven: { name: string; a: number; b: number }[] = [];
  const clockDriven = model.diffs.filter((v) => !v.flags.has('event-driven'));
  const constValue = (n: string): number | undefined =>
    ns.constants.get(n)?.value ?? (own.has(n) || resolve(n) ? undefined : unitScope().lookup(n)?.value);
  for (const v of model.diffs.filter((x) => x.flags.has('event-driven'))) {
    const f = inlineSubexpressions(v.expr!, model);
    const sp = splitLinear(f, v.name);
    try {
      if (!sp) throw new Error('nonlinear');
      eventDriven.push({
        name: v.name,
        a: sp.a ? evalConst(sp.a, constValue) : 0,
        b: sp.b ? evalConst(sp.b, constValue) : 0,
      });
    } catch {
      rep.at(
        'invalid_method',
        `${path}.model`,
        spec.model,
        v.eq.namePos,
        v.name.length,
        `event-driven equations must be linear with constant coefficients (like "dApre/dt = -Apre/taupre : 1"); d${v.name}/dt is not`,
      );
    }
  }

  // Delay.
  let sharedDelay = 0;
  if (spec.delay !== undefined) {
    const q = evalQuantity(spec.delay, `${path}.delay`, namespaceScope(ns), rep, SECOND);
    if (q) sharedDelay = q.value;
    if (q && q.value < 0) rep.field('invalid_value', `${path}.delay`, 'a delay cannot be negative');
  }
  const inits: [string, Initializer][] = [];
  // Neuron-level traces (decisions/0004): an event-driven variable that only decays, starts at 0,
  // is only incremented by a constant in one pathway (on_pre: a presynaptic trace, on_post: a
  // postsynaptic one) and is not read in that pathway has the same value for every synapse of its
  // neuron. It is then kept once per neuron (its decay in one scale per trace, see NeuronTrace),
  // and its increment runs once per spike instead of once per synapse — the same numbers (up to
  // rounding) at a fraction of the work.
  const traces = new Map<string, { side: 'pre' | 'post'; rate: number; monitored: boolean }>();
  if (neuronLevelTraces) {
    const sharedDelayOnly = spec.init?.delay === undefined;
    const readIn = (stmts: Statement[], x: string) =>
      stmts.some((st) => identifiers(inlineSubexpressions(st.expr, model)).has(x));
    const constIncrement = (st: Statement) =>
      (st.op === '+=' || st.op === '-=') &&
      [...identifiers(st.expr)].every((n) => constValue(n) !== undefined);
    const usedElsewhere = (x: string) =>
      [...model.vars.values()].some((v) => v.name !== x && v.expr && identifiers(v.expr).has(x));
    for (const ed of eventDriven) {
      const x = ed.name;
      if (ed.b !== 0 || ed.a === 0 || spec.init?.[x] !== undefined || usedElsewhere(x)) continue;
      const wPre = onPre.filter((st) => st.target === x);
      const wPost = onPost.filter((st) => st.target === x);
      const side = wPre.length && !wPost.length ? 'pre' : wPost.length && !wPre.length ? 'post' : undefined;
      if (!side) continue;
      const writes = side === 'pre' ? wPre : wPost;
      if (!writes.every(constIncrement) || readIn(side === 'pre' ? onPre : onPost, x)) continue;
      if (side === 'pre' && !sharedDelayOnly) continue;
      traces.set(x, { side, rate: ed.a, monitored: monitored.has(x) });
    }
  }
  const synArrays = [...own.keys()].filter((n) => model.vars.get(n)?.kind !== 'sub' && !traces.has(n));
  let perSynapseDelay = false;
  // Emission for per-synapse kernels (init, conditions): arrays bound in the prelude. A trace
  // reads as its stored value times its scale (`traceRef` replaces that for deferred code).
  const synCtx = (
    sRef: string,
    preRef: string,
    postRef: string,
    traceRef = (x: string, idx: string) => `(TR_${x}[${idx}] * TRS_${x}[0])`,
  ): EmitContext => ({
    ref: (n) => {
      const r = resolve(n);
      if (!r) {
        const c = ns.constants.get(n);
        if (c) return literal(c.value);
        const u = unitScope().lookup(n);
        if (u?.value !== undefined) return literal(u.value);
        throw new Error(`emit: unresolved ${n}`);
      }
      switch (r.where) {
        case 'syn': {
          const tr = traces.get(r.name);
          if (tr) return traceRef(r.name, tr.side === 'pre' ? preRef : postRef);
          return model.vars.get(r.name)?.flags.has('shared') ? `S_${r.name}[0]` : `S_${r.name}[${sRef}]`;
        }
        case 'builtin':
          switch (r.name) {
            case 't':
              return 't';
            case 'dt':
              return literal(dt);
            case 'i':
              return `(${preRef} - ${pre.lo})`;
            case 'j':
              return `(${postRef} - ${post.lo})`;
            case 'N_pre':
              return literal(pre.hi - pre.lo);
            case 'N_post':
              return literal(post.hi - post.lo);
            case 'delay':
              return `S__delay[${sRef}]`;
            default:
              return `S__lastupdate[${sRef}]`;
          }
        case 'pre':
        case 'post': {
          const side = r.where === 'pre' ? pre : post;
          const idx = r.where === 'pre' ? preRef : postRef;
          const gm = side.group.kind === 'neurons' ? side.group.model : undefined;
          const v = gm?.vars.get(r.name);
          if (v?.kind === 'sub') {
            const inl = inlineSubexpressions(v.expr!, gm!);
            const sub: EmitContext = {
              ref: (m) => sideRef(side, r.where, m, idx),
              timed: (tn, args) => `TA_${tn}(${args.join(', ')})`,
            };
            return `(${emit(inl, sub)})`;
          }
          return sideRef(side, r.where, r.name, idx);
        }
      }
    },
    timed: (tn, args) => `TA_${tn}(${args.join(', ')})`,
  });
  const sideRef = (side: Side, where: 'pre' | 'post', n: string, idx: string): string => {
    const g = side.group;
    if (n === 't') return 't';
    if (n === 'dt') return literal(dt);
    if (n === 'i') return `(${idx} - 0)`;
    if (n === 'N') return literal(g.N);
    const c = ns.constants.get(n);
    if (g.symbols.has(n)) {
      const shared = g.kind === 'neurons' && g.model.vars.get(n)?.flags.has('shared');
      return `${where === 'pre' ? 'Q' : 'P'}_${n}[${shared ? 0 : idx}]`;
    }
    if (c) return literal(c.value);
    const u = unitScope().lookup(n);
    if (u?.value !== undefined) return literal(u.value);
    throw new Error(`emit: unresolved ${n}`);
  };
  const initPrelude = [
    ...[...synArrays, '_delay', '_lastupdate'].map((n) => `const S_${n} = X.S.get(${JSON.stringify(n)});`),
    ...[...pre.group.symbols.keys()].map((n) => `const Q_${n} = X.Q.get(${JSON.stringify(n)});`),
    ...[...post.group.symbols.keys()].map((n) => `const P_${n} = X.P.get(${JSON.stringify(n)});`),
    'const PRE = X.PRE, POST = X.POST;',
    ...[...ns.timed.keys()].map((tn) => `const TA_${tn} = X.T.get(${JSON.stringify(tn)});`),
  ].join('\n');
  let delayRowCode: string | undefined;
  for (const [vname, value] of Object.entries(spec.init ?? {})) {
    const p = `${path}.init.${vname}`;
    const isDelay = vname === 'delay';
    const v = model.vars.get(vname);
    if (!isDelay && (!v || v.kind === 'sub' || v.flags.has('summed'))) {
      rep.field(
        'unknown_identifier',
        p,
        `"${vname}" is not a variable of synapses "${name}"`,
        didYouMean(vname, [...synArrays, 'delay']),
      );
      continue;
    }
    if (isDelay) {
      if (spec.delay !== undefined) {
        rep.field(
          'invalid_value',
          p,
          'give either "delay" (one for all synapses) or "init.delay" (per synapse), not both',
        );
        continue;
      }
      perSynapseDelay = true;
    }
    const init = compileInit(
      value,
      {
        name: vname,
        dim: isDelay ? SECOND : v!.dim,
        bool: !isDelay && v!.type === 'boolean',
        integer: !isDelay && v!.type === 'integer',
      },
      p,
      {
        scope,
        ctx: synCtx('idx', 'PRE[idx]', 'POST[idx]'),
        params: ['X', 't'],
        args: () => [currentInitEnv.env, 0],
        count: () => currentInitEnv.count,
        prelude: initPrelude,
      },
      rep,
    );
    if (init) inits.push([vname, init]);
    // A delay expression also runs one presynaptic row at a time, inside the regrouping by delay.
    if (init && isDelay && typeof value === 'string')
      delayRowCode = emit(parseExpression(value), synCtx('idx', 'PRE[idx]', 'POST[idx]'));
  }

  // Connect calls.
  const connects = (Array.isArray(spec.connect) ? spec.connect : [spec.connect]).map((c, k) =>
    compileConnect(c, `${path}.connect${Array.isArray(spec.connect) ? `.${k}` : ''}`, scope, synCtx, rep),
  );
  const Npre = pre.hi - pre.lo;
  const Npost = post.hi - post.lo;
  const expectedCount = connects.reduce((acc, c) => acc + (c ? c.expected(Npre, Npost) : 0), 0);

  // Clock-driven synaptic equations.
  let clockIntegration: Integration | undefined;
  if (clockDriven.length) {
    try {
      clockIntegration = integrate(
        {
          eqs: clockDriven.map((v) => ({
            name: v.name,
            f: inlineSubexpressions(v.expr!, model),
            clamp: false,
            explicitTime: mentionsTime(v.expr!, model, ns),
          })),
          dt,
          constValue,
          // Exact integration of synaptic equations needs constant coefficients here (per-synapse
          // coefficients fall back to Brian 2's next default, euler).
          isTimeVarying: (n) => constValue(n) === undefined,
          ctx: synCtx('s', 'PRE[s]', 'POST[s]'),
          local: (n) => `v_${n}`,
        },
        undefined,
        false,
      );
    } catch (e) {
      if (!(e instanceof IntegrationError)) throw e;
      rep.field('invalid_method', `${path}.model`, e.message);
    }
  }
  if (rep.count > before) return undefined;

  // on_post deferred to each source's next delivery (decisions/0005): when it only updates the
  // synapse's own variables from constants, i, j and presynaptic traces — values a later replay
  // reproduces exactly — and nothing else reads those variables between deliveries.
  const postStmts = onPost.filter((st) => !traces.has(st.target));
  const replayable = (n: string): boolean => {
    const r = resolve(n);
    if (!r) return constValue(n) !== undefined;
    if (r.where === 'builtin') return ['i', 'j', 'N_pre', 'N_post', 'dt'].includes(r.name);
    const tr = traces.get(r.name);
    return r.where === 'syn' && (tr ? tr.side === 'pre' : !model.vars.get(r.name)?.flags.has('shared'));
  };
  const pure = (e: Expr) => [...calls(e)].every((f) => f !== 'rand' && f !== 'randn' && !ns.timed.has(f));
  const deferPost =
    postStmts.length > 0 &&
    spec.init?.delay === undefined &&
    clockDriven.length === 0 &&
    eventDriven.every((ed) => traces.has(ed.name)) &&
    [...traces.values()].every((tr) => !tr.monitored) &&
    postStmts.every((st) => {
      const e = inlineSubexpressions(st.expr, model);
      return (
        resolve(st.target)?.where === 'syn' &&
        replayable(st.target) &&
        pure(e) &&
        [...identifiers(e)].every(replayable)
      );
    }) &&
    summedTargets.every(({ v }) =>
      postStmts.every((st) => !identifiers(inlineSubexpressions(v.expr!, model)).has(st.target)),
    );

  // The presynaptic index of each synapse is stored only when code needs it at run time; otherwise
  // it is implied by the CSR offsets (12 bytes per synapse with one weight and a shared delay).
  // Subexpressions that monitors record are run-time code too.
  const runtimeExprs: Expr[] = [
    ...onPre.flatMap((st) => [st.expr, nameExpr(st.target)]),
    ...summedTargets.map(({ v }) => v.expr!),
    ...clockDriven.map((v) => v.expr!),
    ...[...monitored].flatMap((n) => {
      const v = model.vars.get(n);
      return v?.kind === 'sub' ? [v.expr!] : [];
    }),
  ].map((e) => inlineSubexpressions(e, model));
  const initNeedsPre = Object.values(spec.init ?? {}).some(
    (v) => typeof v === 'string' && /\bi\b|_pre\b/.test(v),
  );
  const needsPre =
    runtimeExprs.some((e) => [...identifiers(e)].some((n) => n === 'i' || resolve(n)?.where === 'pre')) ||
    (onPost.length > 0 && !deferPost);
  // Per-synapse delays are kept as times (8 bytes per synapse) only when something reads them;
  // the simulation itself needs only their grouping in whole steps.
  const keepDelays =
    monitored.has('delay') ||
    [...runtimeExprs, ...onPost.map((st) => inlineSubexpressions(st.expr, model))].some((e) =>
      identifiers(e).has('delay'),
    ) ||
    Object.entries(spec.init ?? {}).some(
      ([k, v]) => k !== 'delay' && typeof v === 'string' && /\bdelay\b/.test(v),
    );
  // Regrouping by delay keeps the creation → storage permutation (4 bytes per synapse) only for
  // monitors, which number synapses in creation order, and for init arrays, given in that order.
  const keepOrder =
    monitors !== undefined ||
    Object.entries(spec.init ?? {}).some(([k, v]) => k !== 'delay' && typeof v === 'object');
  return {
    name,
    writes,
    expectedCount,
    recordable: () =>
      [...synArrays, ...model.vars.keys()]
        .filter((x, k, a) => a.indexOf(x) === k && !model.vars.get(x)?.flags.has('summed'))
        .concat(['delay', 'i', 'j']),
    build: (bc) => {
      const preRT = bc.groups.get(pre.name)!;
      const postRT = bc.groups.get(post.name)!;
      const timed = new Map<string, (t: number, i?: number) => number>();
      for (const [tn, ta] of bc.ns.timed) timed.set(tn, timedArrayHelper(ta, dt));
      // 1. Connectivity, in creation order: targets, and runs of equal sources.
      const sink = new ConnectSink(preRT.N);
      connects.forEach((c, k) =>
        c!.build(new Rng(bc.seed, name, `connect${k}`), pre, post, preRT, postRT, timed, sink),
      );
      const count = sink.length;
      // 2. Storage order: by presynaptic neuron. Generated connections usually arrive sorted
      //    already (then storage order is creation order); otherwise a stable counting sort.
      const preOffsets = sink.counts;
      for (let n = 0; n < preRT.N; n++) preOffsets[n + 1]! += preOffsets[n]!;
      let POST: Int32Array;
      let order: Int32Array | undefined; // creation index → storage index, when they differ
      if (sink.sorted) POST = sink.takeTargets();
      else {
        order = new Int32Array(count);
        const fill = preOffsets.slice(0, preRT.N);
        const runs = sink.runs;
        for (let r = 0; r < runs.length; r += 2) {
          const i = runs.data[r]!;
          const end = r + 3 < runs.length ? runs.data[r + 3]! : count;
          for (let q = runs.data[r + 1]!; q < end; q++) order[q] = fill[i]!++;
        }
        const cj = sink.targets;
        POST = new Int32Array(count);
        for (let q = 0; q < count; q++) POST[order[q]!] = cj[q]!;
      }
      sink.release();
      let PRE = new Int32Array(needsPre || initNeedsPre ? count : 0);
      if (PRE.length) for (let n = 0; n < preRT.N; n++) PRE.fill(n, preOffsets[n], preOffsets[n + 1]);
      // 3. Variables and initial values (init expressions run in storage order; arrays given in
      //    creation order are permuted).
      const S = new Map<string, Float64Array>();
      for (const n of synArrays)
        S.set(n, new Float64Array(model.vars.get(n)!.flags.has('shared') ? 1 : count));
      const perSynapseED = eventDriven.filter((ed) => !traces.has(ed.name));
      const hasEventDriven = perSynapseED.length > 0;
      if (hasEventDriven) S.set('_lastupdate', new Float64Array(count));
      // A recorded trace is shown as Brian 2 stores it per synapse: a copy of the neuron's trace
      // taken at each of that synapse's events (the dynamics never read it).
      const shadowed = [...traces].filter(([, tr]) => tr.monitored).map(([x]) => x);
      for (const x of shadowed) S.set(x, new Float64Array(count));
      const TR = new Map<string, NeuronTrace>();
      for (const [x, tr] of traces)
        TR.set(x, new NeuronTrace(tr.side === 'pre' ? preRT.N : postRT.N, tr.rate, dt));
      // Per-synapse delays regroup each neuron's synapses by delay (groupByDelay) where the delay
      // init comes among the inits, so later ones run in the final order; a delay expression runs
      // one row at a time inside the regrouping.
      let byDelay: DelayGroups | undefined;
      const initRng = new Rng(bc.seed, name, 'init');
      const env = initEnv(S, preRT, postRT, PRE, POST, timed);
      const initialised: Float64Array[] = [];
      const regroup = (rowDelays: RowDelays, kept: Float64Array | undefined) => {
        byDelay = groupByDelay(
          rowDelays,
          kept,
          dt,
          preOffsets,
          POST,
          initialised,
          keepOrder,
          `synapses.${name}.init.delay`,
        );
        const perm = byDelay.perm;
        if (!perm) order = undefined;
        else if (order) for (let r = 0; r < count; r++) order[r] = perm[order[r]!]!;
        else order = perm;
        if (kept) S.set('_delay', kept);
      };
      for (const [vname, init] of inits) {
        if (vname === 'delay' && delayRowCode !== undefined) {
          const rows = makeKernel<RowDelays>(
            ['F', 'X', 't'],
            `${initPrelude}\nreturn function (out, a, len) { for (let idx = a; idx < a + len; idx++) out[idx - a] = ${delayRowCode}; };`,
            [kernelHelpers(initRng), env, 0],
          );
          regroup(rows, keepDelays ? new Float64Array(count) : undefined);
          continue;
        }
        const isArrayInit = Array.isArray(spec.init?.[vname]) || typeof spec.init?.[vname] === 'object';
        const target = vname === 'delay' ? new Float64Array(count) : S.get(vname)!;
        // Arrays are given in creation order; expressions run in storage order.
        const direct = !(isArrayInit && order) && target.length === count;
        const out = direct ? target : new Float64Array(count);
        currentInitEnv.env = env;
        currentInitEnv.count = count;
        try {
          init(out, initRng);
        } catch (e) {
          if (e instanceof InitLengthError)
            throw new SpecRuntimeError(
              `${e.path}: needs one value per synapse: ${count} synapses were created, got ${e.got} values`,
            );
          throw e;
        }
        if (!direct) {
          if (isArrayInit && order) for (let q = 0; q < count; q++) target[order[q]!] = out[q]!;
          else target.set(out.subarray(0, target.length));
        }
        if (vname === 'delay')
          regroup((row, a, len) => row.set(target.subarray(a, a + len)), keepDelays ? target : undefined);
        else if (target.length === count) initialised.push(target);
      }
      if (!needsPre) {
        PRE = new Int32Array(0);
        env.PRE = PRE;
      }
      const preOf = needsPre
        ? (s: number) => PRE[s]!
        : (s: number) => {
            let lo = 0;
            let hi = preRT.N;
            while (hi - lo > 1) {
              const mid = (lo + hi) >> 1;
              if (preOffsets[mid]! <= s) lo = mid;
              else hi = mid;
            }
            return lo;
          };
      // 4. Delays in steps.
      const sharedSteps = toSteps(sharedDelay, dt);
      const maxDelay = byDelay ? byDelay.maxDelay : sharedSteps;
      const finalOrder = order;
      const storageOf = finalOrder
        ? (r: number) => finalOrder[r]!
        : byDelay && !keepOrder
          ? (): number => {
              throw new Error(`${path}: creation order not kept (no monitor reads these synapses)`);
            }
          : (r: number) => r;
      const L = maxDelay + 1;
      const queue = Array.from({ length: L }, () => new GrowableI32(64));
      const targetType = (n: string): 'float' | 'boolean' | 'integer' => {
        const r = resolve(n);
        const m = r?.where === 'pre' ? preModel : r?.where === 'post' ? postModel : model;
        return m?.vars.get(r?.name ?? n)?.type ?? 'float';
      };
      // 5. Kernels. Static on_pre onto a group on WebAssembly (constant updates of its variables)
      //    runs in the group's memory, which then holds the connectivity instead of POST.
      const updates =
        bc.wasm !== false && postRT.arena && onPost.length === 0 && eventDriven.length === 0 && count > 0
          ? staticUpdates(
              onPre,
              (n) => {
                const r = resolve(n);
                const a = r?.where === 'post' ? postRT.arrays.get(r.name) : undefined;
                return a instanceof Float64Array &&
                  a.length === postRT.N &&
                  targetType(n) === 'float' &&
                  postRT.arena!.owns(a)
                  ? a
                  : undefined;
              },
              // A per-synapse parameter: with on_pre writing only target variables, no code
              // changes it during the run.
              (n) => {
                const v = resolve(n)?.where === 'syn' ? model.vars.get(n) : undefined;
                const a =
                  v?.kind === 'param' && v.type === 'float' && !v.flags.has('shared') ? S.get(n) : undefined;
                return a && a.length === count ? a : undefined;
              },
              (n) =>
                resolve(n) ? undefined : (bc.ns.constants.get(n)?.value ?? unitScope().lookup(n)?.value),
            )
          : undefined;
      const fastPre = updates
        ? wasmDelivery(postRT.arena!, updates, POST, byDelay ? byDelay.start : preOffsets, preRT.N)
        : undefined;
      if (fastPre) {
        POST = fastPre.post;
        for (const [k2, a2] of S) {
          const moved = fastPre.weights.get(a2);
          if (moved) S.set(k2, moved);
        }
      }
      const rng = new Rng(bc.seed, name, 'dynamics');
      const F = kernelHelpers(rng);
      const names = [...S.keys()];
      const preNames = [...preRT.arrays.keys()];
      const postNames = [...postRT.arrays.keys()];
      const pre0 = [
        ...names.map((n) => `const S_${n} = X.S.get(${JSON.stringify(n)});`),
        ...preNames.map((n) => `const Q_${n} = X.Q.get(${JSON.stringify(n)});`),
        ...postNames.map((n) => `const P_${n} = X.P.get(${JSON.stringify(n)});`),
        `const PRE = X.PRE, POST = X.POST;`,
        ...[...bc.ns.timed.keys()].map((tn) => `const TA_${tn} = X.T.get(${JSON.stringify(tn)});`),
        ...[...traces.keys()].map(
          (x) =>
            `const TR_${x} = X.TR.get(${JSON.stringify(x)}).stored, TRS_${x} = X.TR.get(${JSON.stringify(x)}).scale;`,
        ),
      ].join('\n');
      const X = { S, Q: preRT.arrays, P: postRT.arrays, PRE, POST, T: timed, TR };
      const ctx = synCtx('s', 'PRE[s]', 'POST[s]');
      const inlineSyn = (e: Expr) => inlineSubexpressions(e, model);
      // Event-driven variables decay exactly since their last update; one exponential per
      // distinct rate (STDP traces usually share theirs).
      const rates = [...new Set(perSynapseED.filter((ed) => ed.a !== 0).map((ed) => ed.a))];
      const edCode = hasEventDriven
        ? [
            `const _el = t - S__lastupdate[s];`,
            ...rates.map((a, k) => `const _ed${k} = Math.exp(${literal(a)} * _el);`),
            ...perSynapseED.map((ed) => {
              const x = `S_${ed.name}[s]`;
              if (ed.a === 0) return `${x} = ${x} + ${literal(ed.b)} * _el;`;
              const e = `_ed${rates.indexOf(ed.a)}`;
              const ba = ed.b / ed.a;
              return ed.b === 0
                ? `${x} = ${x} * ${e};`
                : `${x} = (${x} + ${literal(ba)}) * ${e} - ${literal(ba)};`;
            }),
          ].join('\n')
        : '';
      const edDone = hasEventDriven ? 'S__lastupdate[s] = t;' : '';
      const isTraceWrite = (st: Statement) => traces.has(st.target);
      // With one shared delay a queue entry is a presynaptic neuron: `p` in the delivery loop.
      const preCtx = perSynapseDelay ? ctx : synCtx('s', 'p', 'POST[s]');
      // A trace increment `x += c` adds c / scale to the stored value (see NeuronTrace).
      const traceIncrements = (stmts: Statement[], c: EmitContext, idx: string) =>
        stmts
          .filter(isTraceWrite)
          .map(
            (st) =>
              `TR_${st.target}[${idx}] ${st.op[0]}= (${emit(inlineSyn(st.expr), c)}) / TRS_${st.target}[0];`,
          )
          .join(' ');
      const preHoist = traceIncrements(onPre, preCtx, 'p');
      const shadow = (c: EmitContext) => shadowed.map((x) => `S_${x}[s] = ${c.ref(x)};`).join(' ');
      const preBody = `${edCode}\n${compileStatements(
        onPre.filter((st) => !isTraceWrite(st)),
        model,
        preCtx,
        inlineSyn,
        (n) => targetType(n),
      )}\n${shadow(preCtx)}\n${edDone}`;
      const postBody = `${edCode}\n${compileStatements(postStmts, model, ctx, inlineSyn, (n) =>
        targetType(n),
      )}\n${shadow(ctx)}\n${edDone}`;
      const postHoistCode = traceIncrements(onPost, synCtx('s', 'PRE[s]', 'n'), 'n');
      const postHoist = postHoistCode
        ? makeKernel<(spikes: Int32Array, ns: number, t: number) => void>(
            ['X', 'F'],
            `${pre0}\nreturn function (spikes, ns, t) { for (let q = 0; q < ns; q++) { const n = spikes[q]; if (n < ${post.lo} || n >= ${post.hi}) continue; ${postHoistCode} } };`,
            [X, F],
          )
        : undefined;
      const traceList = [...TR.values()];
      let events = 0;
      // Deferred on_post (decisions/0005): each postsynaptic spike is logged; a source's synapses
      // replay their pending entries, oldest first, when it next delivers (before its on_pre code),
      // when a monitor reads them, or when the log is full. `_from` is the first entry pending for
      // source p, and a presynaptic trace reads as its stored value (TRP_x, taken before this
      // delivery's increment) times its scale at the entry's step.
      const preTraces = [...traces].filter(([, tr]) => tr.side === 'pre').map(([x]) => x);
      const log = deferPost
        ? new PostSpikeLog(
            preRT.N,
            postRT.N,
            preTraces.map((x) => TR.get(x)!),
            Math.max(1024, 4 * (post.hi - post.lo)),
          )
        : undefined;
      const logPrelude = [
        'const LOG_H = LOG.head, LOG_P = LOG.prev, LOG_Q = LOG.pending, LOG_F = LOG.flushed;',
        ...preTraces.map((_, k) => `const LOG_S${k} = LOG.scales[${k}];`),
      ].join('\n');
      const catchUp = `const _from = LOG_F[p]; LOG_F[p] = len; ${preTraces.map((x) => `const TRP_${x} = TR_${x}[p];`).join(' ')}`;
      const replayCtx = synCtx('s', 'p', 'POST[s]', (x) => `(TRP_${x} * LOG_S${preTraces.indexOf(x)}[_e])`);
      const replay = `let _h = LOG_H[POST[s]]; if (_h >= _from) { let _m = 0; do { LOG_Q[_m++] = _h; _h = LOG_P[_h]; } while (_h >= _from); while (_m > 0) { const _e = LOG_Q[--_m]; ${compileStatements(postStmts, model, replayCtx, inlineSyn, (n) => targetType(n))} } }`;
      const deliverShared =
        onPre.length && !fastPre
          ? makeKernel<(list: Int32Array, n: number, off: Int32Array, t: number, len: number) => number>(
              ['X', 'F', 'LOG'],
              `${pre0}\n${log ? logPrelude : ''}\nreturn function (list, n, off, t, len) { let ev = 0; for (let q = 0; q < n; q++) { const p = list[q]; const e = off[p + 1]; ${log ? catchUp : ''} ${preHoist} for (let s = off[p]; s < e; s++) { ${log ? replay : ''} ${preBody} } ev += e - off[p]; } return ev; };`,
              [X, F, log],
            )
          : undefined;
      const catchUpRows = log
        ? makeKernel<(from: number, to: number, off: Int32Array, len: number) => void>(
            ['X', 'F', 'LOG'],
            `${pre0}\n${logPrelude}\nreturn function (from, to, off, len) { for (let p = from; p < to; p++) { if (LOG_F[p] >= len) continue; ${catchUp} const e = off[p + 1]; for (let s = off[p]; s < e; s++) { ${replay} } } };`,
            [X, F, log],
          )
        : undefined;
      /** Runs every pending entry and empties the log. */
      const catchUpAll = log
        ? () => {
            catchUpRows!(0, preRT.N, preOffsets, log.length);
            log.clear();
          }
        : undefined;
      const byTarget =
        !log && (postStmts.length > 0 || hasEventDriven || shadowed.length > 0)
          ? indexByTarget(POST, postRT.N)
          : undefined;
      // Immediate on_post: over the synapses of the spiking targets, gathered in one list (a flat
      // loop over random synapses overlaps their cache misses better than one loop per target).
      const runPost = byTarget
        ? makeKernel<(list: Int32Array, n: number, t: number) => void>(
            ['X', 'F'],
            `${pre0}\nreturn function (list, n, t) { for (let q = 0; q < n; q++) { const s = list[q]; ${postBody} } };`,
            [X, F],
          )
        : undefined;
      const postList = new Int32Array(byTarget ? Math.max(1, count) : 0);
      const summedFns = summedTargets.map(({ v, target }) => {
        const code = emit(inlineSyn(v.expr!), ctx);
        const arrT = `P_${target}`;
        return makeKernel<(t: number) => void>(
          ['X', 'F'],
          `${pre0}\nreturn function (t) { for (let idx = ${post.lo}; idx < ${post.hi}; idx++) ${arrT}[idx] = 0; for (let s = 0; s < ${count}; s++) { ${arrT}[POST[s]] += ${code}; } };`,
          [X, F],
        );
      });
      const clockFn = clockIntegration
        ? makeKernel<(t: number) => void>(
            ['X', 'F'],
            `${pre0}\nreturn function (t) { for (let s = 0; s < ${count}; s++) { ${clockDriven.map((v) => `let v_${v.name} = S_${v.name}[s];`).join(' ')}\n${clockIntegration.code}\n${clockDriven.map((v) => `S_${v.name}[s] = v_${v.name};`).join(' ')} } };`,
            [X, F],
          )
        : undefined;
      /** A variable's value per synapse as stored now (deferred on_post entries not replayed). */
      const current = (vname: string): Recorder | undefined => {
        if (vname === 'i') return (s) => preOf(s) - pre.lo;
        if (vname === 'j') return (s) => POST[s]! - post.lo;
        if (vname === 'delay') {
          // Per-synapse delays are kept only when something reads them (keepDelays).
          const delays = S.get('_delay');
          return delays ? (s) => delays[s]! : perSynapseDelay ? undefined : () => sharedDelay;
        }
        const a = S.get(vname);
        if (a) return a.length === 1 && count !== 1 ? () => a[0]! : (s) => a[s]!;
        const v = model.vars.get(vname);
        if (v?.kind === 'sub') {
          const fn = makeKernel<Recorder>(
            ['X', 'F'],
            `${pre0}\nreturn function (s, t) { return +(${emit(inlineSyn(v.expr!), ctx)}); };`,
            [X, F],
          );
          return fn;
        }
        return undefined;
      };
      const rt: SynapsesRuntime = {
        name,
        count,
        kernel: fastPre ? 'wasm' : 'js',
        beforeGroups(t) {
          for (const f of summedFns) f(t);
          clockFn?.(t);
        },
        propagate(k, t) {
          const before = events;
          for (const tr of traceList) tr.advance(k, catchUpAll);
          // Queue this step's presynaptic spikes.
          const { spikes, nspikes } = preRT;
          if (onPre.length && count > 0) {
            if (!byDelay) {
              const slot = queue[(k + sharedSteps) % L]!;
              for (let q = 0; q < nspikes; q++) {
                const n = spikes[q]!;
                if (n >= pre.lo && n < pre.hi && preOffsets[n + 1]! > preOffsets[n]!) slot.push(n);
              }
            } else {
              for (let q = 0; q < nspikes; q++) {
                const n = spikes[q]!;
                if (n < pre.lo || n >= pre.hi) continue;
                for (let g = byDelay.rowGroups[n]!; g < byDelay.rowGroups[n + 1]!; g++)
                  queue[(k + byDelay.delay[g]!) % L]!.push(g);
              }
            }
            const due = queue[k % L]!;
            if (due.length) {
              events += fastPre
                ? fastPre.deliver(due.data, due.length)
                : deliverShared!(
                    due.data,
                    due.length,
                    byDelay ? byDelay.start : preOffsets,
                    t,
                    log?.length ?? 0,
                  );
              due.length = 0;
            }
          }
          if (postHoist && postRT.nspikes > 0) postHoist(postRT.spikes, postRT.nspikes, t);
          if (runPost && postRT.nspikes > 0) {
            const { offsets, syn } = byTarget!;
            let m = 0;
            for (let q = 0; q < postRT.nspikes; q++) {
              const n = postRT.spikes[q]!;
              if (n < post.lo || n >= post.hi) continue;
              for (let r = offsets[n]!; r < offsets[n + 1]!; r++) postList[m++] = syn[r]!;
            }
            if (m) runPost(postList, m, t);
          }
          if (log)
            for (let q = 0; q < postRT.nspikes; q++) {
              const n = postRT.spikes[q]!;
              if (n < post.lo || n >= post.hi) continue;
              if (log.full) catchUpAll!();
              log.add(n);
            }
          return events - before;
        },
        recorder: (vname) => {
          const read = current(vname);
          if (!read || !catchUpRows || ['i', 'j', 'delay'].includes(vname)) return read;
          // Deferred on_post: the synapse's source first replays its pending entries.
          return (s, t) => {
            const p = preOf(s);
            catchUpRows(p, p + 1, preOffsets, log!.length);
            return read(s, t);
          };
        },
        storageIndex: storageOf,
        snapshot(variables) {
          catchUpAll?.();
          const values: Record<string, number[]> = {};
          for (const v of variables) {
            const rec = current(v)!;
            const out = new Array<number>(count);
            for (let r = 0; r < count; r++) out[r] = rec(storageOf(r), 0);
            values[v] = out;
          }
          const i = new Array<number>(count);
          const j = new Array<number>(count);
          for (let r = 0; r < count; r++) {
            i[r] = preOf(storageOf(r)) - pre.lo;
            j[r] = POST[storageOf(r)]! - post.lo;
          }
          return { type: 'snapshot', values, i, j };
        },
        memoryBytes: () =>
          POST.byteLength +
          PRE.byteLength +
          [...S.values()].reduce((a, x) => a + x.byteLength, 0) +
          (byDelay ? byDelay.start.byteLength + byDelay.delay.byteLength + byDelay.rowGroups.byteLength : 0) +
          (finalOrder?.byteLength ?? 0) +
          preOffsets.byteLength +
          (byTarget ? byTarget.offsets.byteLength + byTarget.syn.byteLength + postList.byteLength : 0) +
          (log?.byteLength() ?? 0),
      };
      return rt;
    },
  };
}

/**
 * An error in the spec that only shows once the network is built (an init array whose length
 * differs from the synapses created, a generator index outside the target). The message starts
 * with the field's path: `synapses.S.init.w: …`.
 */
export class SpecRuntimeError extends Error {
  override readonly name = 'SpecRuntimeError';
  /** The error as a diagnostic, for callers that report diagnostics. */
  diagnostic(): Diagnostic {
    const cut = this.message.indexOf(': ');
    return cut > 0
      ? { code: 'invalid_value', path: this.message.slice(0, cut), message: this.message.slice(cut + 2) }
      : { code: 'invalid_value', path: '', message: this.message };
  }
}

/** Synapses regrouped by delay: each presynaptic neuron's synapses sorted (stably) by delay. */
interface DelayGroups {
  /** Group g is the synapses `start[g]..start[g + 1]`, all with a delay of `delay[g]` steps. */
  start: Int32Array;
  delay: Int32Array;
  /** Neuron n's groups are `rowGroups[n]..rowGroups[n + 1]`. */
  rowGroups: Int32Array;
  maxDelay: number;
  /** Storage index before regrouping → after, when asked for. */
  perm: Int32Array | undefined;
}

/** Writes the delays of synapses `a..a + len` (one presynaptic row) to `out[0..len]`. */
type RowDelays = (out: Float64Array, a: number, len: number) => void;

/**
 * Rounds per-synapse delays to steps and regroups each presynaptic row by delay (a stable counting
 * sort), so a spike queues one entry per distinct delay (a contiguous range) instead of one per
 * synapse. The delays come one row at a time (from an array or straight from the init
 * expression) and end in `kept`, if given, in the new order; `post` and the other per-synapse
 * arrays are permuted in place, one row at a time through small scratch buffers.
 */
function groupByDelay(
  rowDelays: RowDelays,
  kept: Float64Array | undefined,
  dt: number,
  offsets: Int32Array,
  post: Int32Array,
  others: Float64Array[],
  withPerm: boolean,
  path: string,
): DelayGroups {
  const nPre = offsets.length - 1;
  const count = post.length;
  let longest = 0;
  for (let n = 0; n < nPre; n++) longest = Math.max(longest, offsets[n + 1]! - offsets[n]!);
  const steps = new Int32Array(longest);
  const rowDelay = new Float64Array(longest);
  const rowPost = new Int32Array(longest);
  const rowF64 = new Float64Array(longest);
  const rowTo = new Int32Array(longest);
  const perm = withPerm ? new Int32Array(count) : undefined;
  const start = new GrowableI32(nPre * 2 + 16);
  const delay = new GrowableI32(nPre * 2 + 16);
  const rowGroups = new Int32Array(nPre + 1);
  // Per delay d (steps): the row's synapses with that delay, then the next slot for them.
  // Entries above `top`, the largest delay so far, are zero.
  let cnt = new Int32Array(64);
  let top = 0;
  for (let n = 0; n < nPre; n++) {
    const a = offsets[n]!;
    const len = offsets[n + 1]! - a;
    rowDelays(rowDelay, a, len);
    for (let k = 0; k < len; k++) {
      const d = toSteps(rowDelay[k]!, dt);
      if (d > top) {
        if (d >= cnt.length) {
          const grown = new Int32Array(2 * d);
          grown.set(cnt);
          cnt = grown;
        }
        top = d;
      } else if (!(d >= 0))
        throw new SpecRuntimeError(`${path}: a delay cannot be negative (got ${rowDelay[k]} s)`);
      steps[k] = d;
      cnt[d]!++;
    }
    const first = start.length;
    for (let d = 0, at = a; d <= top; d++) {
      const m = cnt[d]!;
      if (m > 0) {
        start.push(at);
        delay.push(d);
      }
      cnt[d] = at;
      at += m;
    }
    if (start.length - first > 1) {
      rowPost.set(post.subarray(a, a + len));
      for (let k = 0; k < len; k++) {
        const to = cnt[steps[k]!]!++;
        rowTo[k] = to;
        post[to] = rowPost[k]!;
      }
      if (kept) for (let k = 0; k < len; k++) kept[rowTo[k]!] = rowDelay[k]!;
      for (const arr of others) {
        rowF64.set(arr.subarray(a, a + len));
        for (let k = 0; k < len; k++) arr[rowTo[k]!] = rowF64[k]!;
      }
      perm?.set(rowTo.subarray(0, len), a);
    } else {
      if (perm) for (let k = a; k < a + len; k++) perm[k] = k;
      kept?.set(rowDelay.subarray(0, len), a);
    }
    cnt.fill(0, 0, top + 1);
    rowGroups[n + 1] = start.length;
  }
  start.push(count);
  return {
    start: start.data.slice(0, start.length),
    delay: delay.data.slice(0, delay.length),
    rowGroups,
    maxDelay: top,
    perm,
  };
}

/**
 * A delay in whole steps, rounded as Brian 2's spike queue does (`(int)(delay / dt + 0.5)`).
 * Also 3× faster than `Math.round`, which V8 does not inline, over millions of delays.
 */
function toSteps(delay: number, dt: number): number {
  return Math.floor(delay / dt + 0.5);
}

/** Synapses by target, for on_post: `syn[offsets[n]..offsets[n + 1]]` are neuron n's, in storage order. */
function indexByTarget(post: Int32Array, nPost: number): { offsets: Int32Array; syn: Int32Array } {
  const offsets = new Int32Array(nPost + 1);
  for (let s = 0; s < post.length; s++) offsets[post[s]! + 1]!++;
  for (let n = 0; n < nPost; n++) offsets[n + 1]! += offsets[n]!;
  const next = offsets.slice(0, nPost);
  const syn = new Int32Array(post.length);
  for (let s = 0; s < post.length; s++) syn[next[post[s]!]!++] = s;
  return { offsets, syn };
}

/** The arrays a synaptic init kernel reads. */
const currentInitEnv: { env: unknown; count: number } = { env: undefined, count: 0 };

function initEnv(
  S: Map<string, Float64Array>,
  preRT: GroupRuntime,
  postRT: GroupRuntime,
  PRE: Int32Array,
  POST: Int32Array,
  timed: Map<string, unknown>,
) {
  return { S, Q: preRT.arrays, P: postRT.arrays, PRE, POST, T: timed };
}

const MAX_SYNAPSES = 2 ** 31 - 1;

/**
 * Collects connections in creation order: the targets, per-source counts, and the runs of equal
 * sources (enough to recover each synapse's source without storing it). Loops that create many
 * synapses write targets straight into `targets` (after `room`) and close each source's row with
 * `endRow`, so the per-synapse work is one store.
 */
export class ConnectSink {
  /** Targets in creation order, `targets[0..length)`. */
  targets = new Int32Array(1024);
  length = 0;
  readonly counts: Int32Array;
  readonly runs = new GrowableI32(64);
  sorted = true;
  private last = -1;
  constructor(nPre: number) {
    this.counts = new Int32Array(nPre + 1);
  }
  /** The buffer, with room for `n` more targets after `length`. */
  room(n: number): Int32Array {
    const need = this.length + n;
    if (need > this.targets.length) {
      // Synapse indices are 32-bit integers.
      if (need > MAX_SYNAPSES) throw new RangeError(`more than ${MAX_SYNAPSES} synapses`);
      const grown = new Int32Array(
        Math.min(Math.max(need, Math.ceil(this.targets.length * 1.5)), MAX_SYNAPSES),
      );
      grown.set(this.targets.subarray(0, this.length));
      this.targets = grown;
    }
    return this.targets;
  }
  /**
   * Room for a connect call's expected count of synapses plus six standard deviations, so the
   * buffer almost never grows mid-call and ends with little slack (`takeTargets` is then a view).
   */
  reserve(expected: number): void {
    if (expected > 0) this.room(Math.ceil(expected + 6 * Math.sqrt(expected) + 16));
  }
  push(i: number, j: number): void {
    this.room(1)[this.length++] = j;
    this.endRow(i, this.length - 1);
  }
  /** Notes that the targets at `start..length` were written for source `i`. */
  endRow(i: number, start: number): void {
    if (this.length === start) return;
    if (i !== this.last) {
      if (i < this.last) this.sorted = false;
      this.runs.push(i);
      this.runs.push(start);
      this.last = i;
    }
    this.counts[i + 1]! += this.length - start;
  }
  /** The targets as an exact-length array (a view when the buffer has little slack). */
  takeTargets(): Int32Array {
    const { targets, length } = this;
    return targets.length - length <= targets.length / 8
      ? targets.subarray(0, length)
      : targets.slice(0, length);
  }
  release(): void {
    this.targets = new Int32Array(0);
    this.runs.data = new Int32Array(0);
  }
}

interface CompiledConnect {
  expected(Npre: number, Npost: number): number;
  build(
    rng: Rng,
    pre: Side,
    post: Side,
    preRT: GroupRuntime,
    postRT: GroupRuntime,
    timed: Map<string, unknown>,
    sink: ConnectSink,
  ): void;
}

/** Kernel lines binding the source (`Q_x`) and target (`P_x`) groups' arrays from `X`. */
function sidePrelude(preRT: GroupRuntime, postRT: GroupRuntime): string {
  const bind = (side: 'Q' | 'P', g: GroupRuntime) =>
    [...g.arrays.keys()].map((n) => `const ${side}_${n} = X.${side}.get(${JSON.stringify(n)});`).join(' ');
  return `${bind('Q', preRT)} ${bind('P', postRT)}`;
}

/**
 * One connect call. Probabilistic calls never test every pair for `p` alone: the next accepted
 * candidate is drawn from the geometric distribution, and a condition is evaluated only on drawn
 * candidates (equivalent, since the condition is deterministic). Conditions that depend on `i`
 * alone are evaluated once per source, for every source before any target is drawn.
 */
function compileConnect(
  c: Connect,
  path: string,
  scope: Scope,
  synCtx: (s: string, pre: string, post: string) => EmitContext,
  rep: Reporter,
): CompiledConnect | undefined {
  const p = c.p ?? 1;
  const nFixed = typeof c.n === 'number' ? c.n : 1;
  let nExpr: Expr | undefined;
  if (typeof c.n === 'string') {
    nExpr = parseField(c.n, `${path}.n`, rep);
    if (nExpr) typeOf(nExpr, scope, { path: `${path}.n`, src: c.n }, rep);
  }
  // Explicit pairs.
  if (c.i !== undefined && c.j !== undefined && typeof c.j !== 'string') {
    const is = Array.isArray(c.i) ? c.i : [c.i];
    const js = Array.isArray(c.j) ? c.j : [c.j];
    const len = Math.max(is.length, js.length);
    return {
      expected: () => len * nFixed * p,
      build: (rng, pre, post, _a, _b, _t, sink) => {
        sink.reserve(len * nFixed * p);
        for (let k = 0; k < len; k++) {
          const i = is[is.length === 1 ? 0 : k]!;
          const j = js[js.length === 1 ? 0 : k]!;
          if (i >= pre.hi - pre.lo)
            throw new SpecRuntimeError(
              `${path}.i: index ${i} is out of range for the source (size ${pre.hi - pre.lo})`,
            );
          if (j >= post.hi - post.lo)
            throw new SpecRuntimeError(
              `${path}.j: index ${j} is out of range for the target (size ${post.hi - post.lo})`,
            );
          if (p < 1 && !(rng.rand() < p)) continue;
          for (let r = 0; r < nFixed; r++) {
            sink.push(i + pre.lo, j + post.lo);
          }
        }
      },
    };
  }
  // Generator expressions: "expr of i" or "k for k in range(a, b[, step]) [if cond]".
  if (typeof c.j === 'string') {
    const src = c.j;
    const gpath = `${path}.j`;
    const m = /^\s*([A-Za-z_]\w*)\s+for\s+([A-Za-z_]\w*)\s+in\s+range\s*\((.*)\)\s*(?:if\s+(.*))?$/s.exec(
      src,
    );
    let single: Expr | undefined;
    let range: { args: Expr[]; cond?: Expr; v: string } | undefined;
    const parseAt = (start: number, end: number): Expr | undefined => {
      try {
        return parseExpression(src, start, end);
      } catch (e) {
        if (e instanceof ParseError) rep.at('syntax_error', gpath, src, e.pos, e.length, e.message);
        else throw e;
        return undefined;
      }
    };
    if (m) {
      if (m[1] !== m[2]) {
        rep.field(
          'syntax_error',
          gpath,
          `the generator must yield its loop variable: "${m[2]} for ${m[2]} in range(...)"`,
        );
        return undefined;
      }
      const rangeStart = src.indexOf('(', src.indexOf('range')) + 1;
      const rangeEnd =
        m[4] !== undefined ? src.lastIndexOf(')', src.lastIndexOf(' if ')) : src.lastIndexOf(')');
      // Split range arguments at top-level commas.
      const args: Expr[] = [];
      let depth = 0;
      let s0 = rangeStart;
      for (let q = rangeStart; q <= rangeEnd; q++) {
        const ch = src[q];
        if (ch === '(') depth++;
        else if (ch === ')' && q < rangeEnd) depth--;
        if ((ch === ',' && depth === 0) || q === rangeEnd) {
          const e = parseAt(s0, q);
          if (e) args.push(e);
          s0 = q + 1;
        }
      }
      const cond = m[4] !== undefined ? parseAt(src.length - m[4].length, src.length) : undefined;
      const v = m[2]!;
      const kScope: Scope = {
        ...scope,
        lookup: (n) =>
          n === v ? { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true } : scope.lookup(n),
      };
      for (const a of args) typeOf(a, kScope, { path: gpath, src }, rep);
      if (cond)
        typeOf(
          mapExpr(cond, (n) => (n.k === 'name' && n.name === v ? { ...n, name: 'j' } : undefined)),
          scope,
          { path: gpath, src },
          rep,
        );
      if (args.length < 1 || args.length > 3) {
        rep.field('syntax_error', gpath, 'range() takes 1 to 3 arguments');
        return undefined;
      }
      range = { args, v, ...(cond ? { cond } : {}) };
    } else {
      single = parseAt(0, src.length);
      if (single) typeOf(single, scope, { path: gpath, src }, rep);
    }
    if (!single && !range) return undefined;
    return {
      expected: (Npre) => Npre * nFixed * p,
      build: (rng, pre, post, preRT, postRT, timed, sink) => {
        const ctx = synCtx('0', 'ipre', 'jpost');
        const X = { S: new Map(), Q: preRT.arrays, P: postRT.arrays, T: timed };
        const head = sidePrelude(preRT, postRT);
        const Npost = post.hi - post.lo;
        const F = kernelHelpers(rng);
        sink.reserve((pre.hi - pre.lo) * nFixed * p);
        if (single) {
          const fn = makeKernel<(ipre: number) => number>(
            ['X', 'F'],
            `${head}\nreturn function (ipre) { const jpost = 0; return ${emit(single, ctx)}; };`,
            [X, F],
          );
          for (let i = 0; i < pre.hi - pre.lo; i++) {
            const j = fn(i + pre.lo);
            if (!Number.isInteger(j) || j < 0 || j >= Npost)
              throw new SpecRuntimeError(
                `${gpath}: for i = ${i} the target index is ${j}, outside 0..${Npost - 1}`,
              );
            if (p < 1 && !(rng.rand() < p)) continue;
            for (let r = 0; r < nFixed; r++) {
              sink.push(i + pre.lo, j + post.lo);
            }
          }
          return;
        }
        const r = range!;
        const kctx: EmitContext = {
          ...ctx,
          ref: (n) => (n === r.v ? '(jpost - ' + post.lo + ')' : ctx.ref(n)),
        };
        const argFns = r.args.map((a) =>
          makeKernel<(ipre: number) => number>(
            ['X', 'F'],
            `${head}\nreturn function (ipre) { const jpost = 0; return ${emit(a, { ...ctx })}; };`,
            [X, F],
          ),
        );
        const condFn = r.cond
          ? makeKernel<(ipre: number, jpost: number) => boolean>(
              ['X', 'F'],
              `${head}\nreturn function (ipre, jpost) { return !!(${emit(r.cond, kctx)}); };`,
              [X, F],
            )
          : undefined;
        for (let i = 0; i < pre.hi - pre.lo; i++) {
          const a = argFns.map((f) => Math.trunc(f(i + pre.lo)));
          const [start, stop, step] = a.length === 1 ? [0, a[0]!, 1] : [a[0]!, a[1]!, a[2] ?? 1];
          if (step === 0) throw new SpecRuntimeError(`${gpath}: range() step cannot be 0`);
          for (let k = start; step > 0 ? k < stop : k > stop; k += step) {
            if (k < 0 || k >= Npost) {
              if (condFn) continue;
              throw new SpecRuntimeError(
                `${gpath}: for i = ${i} the target index ${k} is outside 0..${Npost - 1} (add an "if" to skip it, e.g. "if k >= 0 and k < N_post")`,
              );
            }
            if (condFn && !condFn(i + pre.lo, k + post.lo)) continue;
            if (p < 1 && !(rng.rand() < p)) continue;
            for (let q = 0; q < nFixed; q++) {
              sink.push(i + pre.lo, k + post.lo);
            }
          }
        }
      },
    };
  }
  // All pairs, optionally with condition and p.
  let cond: Expr | undefined;
  if (c.condition !== undefined) {
    cond = parseField(c.condition, `${path}.condition`, rep);
    if (cond) {
      const t = typeOf(cond, scope, { path: `${path}.condition`, src: c.condition }, rep);
      if (t && !t.bool)
        rep.at(
          'type_error',
          `${path}.condition`,
          c.condition,
          cond.pos,
          cond.end - cond.pos,
          'a connection condition must be a condition (e.g. "i != j")',
        );
    }
  }
  const dependsOnJ = cond
    ? [...identifiers(cond)].some(
        (n) =>
          n === 'j' ||
          n.endsWith('_post') ||
          n === 'N_post' ||
          (!n.endsWith('_pre') && scope.lookup(n)?.kind === 'var'),
      )
    : false;
  return {
    expected: (Npre, Npost) => Npre * Npost * p * nFixed * (cond ? 0.5 : 1),
    build: (rng, pre, post, preRT, postRT, timed, sink) => {
      const Npost = post.hi - post.lo;
      const ctx = synCtx('0', 'ipre', 'jpost');
      const X = { S: new Map(), Q: preRT.arrays, P: postRT.arrays, T: timed };
      const head = sidePrelude(preRT, postRT);
      const F = kernelHelpers(rng);
      const condFn = cond
        ? makeKernel<(ipre: number, jpost: number) => boolean>(
            ['X', 'F'],
            `${head}\nreturn function (ipre, jpost) { return !!(${emit(cond, ctx)}); };`,
            [X, F],
          )
        : undefined;
      const nFn = nExpr
        ? makeKernel<(ipre: number, jpost: number) => number>(
            ['X', 'F'],
            `${head}\nreturn function (ipre, jpost) { return Math.trunc(${emit(nExpr, ctx)}); };`,
            [X, F],
          )
        : undefined;
      if (p <= 0) return;
      // Conditions on i alone are evaluated once per source, for all sources first.
      const sources: number[] = [];
      for (let i = pre.lo; i < pre.hi; i++) if (!condFn || dependsOnJ || condFn(i, post.lo)) sources.push(i);
      const perPair = (condFn && dependsOnJ) || nFn || nFixed !== 1;
      sink.reserve(sources.length * Npost * p * nFixed * (perPair && condFn ? 0.5 : 1));
      const geo = p < 1 ? new GeometricSampler(Math.log1p(-p), sources.length * Npost * p) : undefined;
      const threshold = p * 4294967296;
      if (perPair) {
        const emitPair = (i: number, j: number) => {
          if (condFn && dependsOnJ && !condFn(i, j)) return;
          const n = nFn ? nFn(i, j) : nFixed;
          for (let r = 0; r < n; r++) sink.push(i, j);
        };
        for (const i of sources) {
          if (!geo) for (let j = post.lo; j < post.hi; j++) emitPair(i, j);
          else if (p > DENSE_P) {
            for (let j = post.lo; j < post.hi; j++) if (rng.u32() < threshold) emitPair(i, j);
          } else for (let j = geo.next(rng); j < Npost; j += 1 + geo.next(rng)) emitPair(i, j + post.lo);
        }
        return;
      }
      for (const i of sources) {
        const start = sink.length;
        if (geo && p <= DENSE_P) sink.length = sparseRow(sink, start, rng, geo, Npost, post.lo);
        else {
          const out = sink.room(Npost);
          let len = start;
          if (!geo) for (let j = post.lo; j < post.hi; j++) out[len++] = j;
          else for (let j = post.lo; j < post.hi; j++) if (rng.u32() < threshold) out[len++] = j;
          sink.length = len;
        }
        sink.endRow(i, start);
      }
    },
  };
}

/** Above this p, one 32-bit draw per candidate is cheaper than a geometric draw per accepted pair. */
const DENSE_P = 0.35;

/** One source's targets for probability p < DENSE_P: gaps drawn from the geometric distribution. */
function sparseRow(
  sink: ConnectSink,
  start: number,
  rng: Rng,
  geo: GeometricSampler,
  Npost: number,
  lo: number,
): number {
  let len = start;
  let last = -1;
  for (;;) {
    sink.length = len;
    const out = sink.room(1);
    len = rng.fillGeometric(geo, last, Npost, out, len, lo);
    if (len < out.length) return len;
    last = out[len - 1]! - lo; // the buffer filled up: grow it and go on after the last target
  }
}

export { SYN_BUILTINS };
