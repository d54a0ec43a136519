/**
 * Brian 2's NeuronGroup. One generated kernel per group and step fuses, per neuron: the
 * refractoriness update, the state update (the chosen integrator) and the threshold test — legal
 * because a threshold reads only its own group's state, and equivalent to Brian 2's separate
 * `groups` and `thresholds` slots. Resets run later, after synaptic propagation, over spikers only.
 */
import type { NeuronGroup } from '@volley/spec';
import { identifiers, type Expr, type Statement } from './ast.js';
import { typeOf, type Scope, type Sym } from './check.js';
import { emit, kernelHelpers, literal, type EmitContext } from './codegen.js';
import { didYouMean, type Reporter } from './diagnostics.js';
import { exactPropagators } from './expm.js';
import { compileInit, type Initializer } from './init.js';
import { IntegrationError, integrate, evalConst, type Integration, type Method } from './integrators.js';
import { arr, key, local, makeKernel } from './kernel.js';
import {
  checkModel,
  inlineSubexpressions,
  mentionsTime,
  modelSymbols,
  NEURON_FLAGS,
  parseModel,
  type ModelDef,
} from './model.js';
import { namespaceScope, parseField, unitScope, type Namespace } from './namespace.js';
import { parseStatements } from './parser.js';
import { Rng } from './rng.js';
import { DIMENSIONLESS, SECOND, dimEq, dimName } from './units.js';
import type { GroupRuntime, Recorder, StateArray } from './runtime.js';
import { timedArrayHelper } from './timed.js';
import { compileStatements } from './statements.js';
import { wasmNeuronStep, type WasmUpdate } from './neuron-wasm.js';
import { splitStep, type ThreadOptions } from './threads.js';

export const NEURON_BUILTINS: ReadonlyMap<string, Sym> = new Map<string, Sym>([
  ['t', { kind: 'builtin', dim: SECOND, bool: false }],
  ['dt', { kind: 'builtin', dim: SECOND, bool: false }],
  ['i', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
  ['N', { kind: 'builtin', dim: DIMENSIONLESS, bool: false, integer: true }],
  ['lastspike', { kind: 'builtin', dim: SECOND, bool: false }],
  ['not_refractory', { kind: 'builtin', dim: DIMENSIONLESS, bool: true }],
]);

export interface CompiledNeuronGroup {
  kind: 'neurons';
  name: string;
  N: number;
  model: ModelDef;
  method: Method | undefined;
  /** Symbols of the group's own variables and built-ins (for synapses and monitors). */
  symbols: Map<string, Sym>;
  /**
   * Chooses and emits the integrator once the variables written by synapses are known (they
   * decide whether `exact` coefficients are constant). Reports and returns false on failure.
   */
  finalize(writtenBySynapses: ReadonlySet<string>, flagReadBySynapses?: boolean): boolean;
  build(ctx: BuildContext): GroupRuntime;
}

export interface BuildContext {
  seed: number;
  dt: number;
  ns: Namespace;
  /** Use WebAssembly kernels where they apply (default true). */
  wasm?: boolean;
  /** Split large WebAssembly neuron steps across threads (default: one thread). */
  threads?: ThreadOptions | undefined;
}

/** How a group's names are written in generated code, given how state variables are held. */
export function groupEmitContext(
  g: { N: number; model: ModelDef; symbols: Map<string, Sym> },
  ns: Namespace,
  dt: number,
  stateRef: (name: string) => string,
  nrRef: string,
): EmitContext {
  return {
    ref: (n) => {
      const v = g.model.vars.get(n);
      if (v) {
        if (v.kind === 'sub') throw new Error(`emit: subexpression ${n} not inlined`);
        if (v.flags.has('shared')) return `${arr(n)}[0]`;
        return v.kind === 'state' ? stateRef(n) : `${arr(n)}[idx]`;
      }
      switch (n) {
        case 't':
          return 't';
        case 'dt':
          return literal(dt);
        case 'i':
          return 'idx';
        case 'N':
          return literal(g.N);
        case 'lastspike':
          return `${arr('lastspike')}[idx]`;
        case 'not_refractory':
          return nrRef;
      }
      const c = ns.constants.get(n);
      if (c) return literal(c.value);
      const u = unitScope().lookup(n);
      if (u?.value !== undefined) return literal(u.value);
      throw new Error(`emit: unresolved name ${n}`);
    },
    timed: (n, args) => `TA_${n}(${args.join(', ')})`,
  };
}

export function groupScope(g: { model: ModelDef; symbols: Map<string, Sym> }, ns: Namespace): Scope {
  return namespaceScope(
    ns,
    (n) => g.symbols.get(n),
    () => g.symbols.keys(),
  );
}

/** Prelude lines binding arrays and timed arrays for a kernel over a group. */
export function prelude(names: Iterable<string>, ns: Namespace, mapName = 'A'): string {
  const lines: string[] = [];
  for (const n of names) lines.push(`const ${arr(n)} = ${mapName}.get(${key(n)});`);
  for (const t of ns.timed.keys()) lines.push(`const TA_${t} = T.get(${key(t)});`);
  return lines.join('\n');
}

export function compileNeuronGroup(
  name: string,
  spec: NeuronGroup,
  ns: Namespace,
  dt: number,
  rep: Reporter,
): CompiledNeuronGroup | undefined {
  const path = `groups.${name}`;
  const before = rep.count;
  const model = parseModel(
    spec.model,
    { path: `${path}.model`, src: spec.model },
    rep,
    unitScope(),
    NEURON_FLAGS,
    new Set(NEURON_BUILTINS.keys()),
  );
  const symbols = new Map<string, Sym>([...NEURON_BUILTINS, ...modelSymbols(model)]);
  const g = { N: spec.N, model, symbols };
  const scope = groupScope(g, ns);
  checkModel(model, scope, rep);
  const modelFailed = rep.count > before;
  for (const v of model.vars.values()) {
    if (ns.constants.has(v.name) || ns.timed.has(v.name)) {
      rep.at(
        'duplicate_definition',
        `${path}.model`,
        spec.model,
        v.eq.namePos,
        v.name.length,
        `"${v.name}" is both a group variable and a constant; rename one of them`,
      );
    }
  }

  // Threshold.
  let threshold: Expr | undefined;
  if (spec.threshold !== undefined) {
    const p = `${path}.threshold`;
    threshold = parseField(spec.threshold, p, rep);
    if (threshold) {
      const t = typeOf(threshold, scope, { path: p, src: spec.threshold }, rep);
      if (t && !t.bool)
        rep.at(
          'type_error',
          p,
          spec.threshold,
          threshold.pos,
          threshold.end - threshold.pos,
          `a threshold must be a condition (e.g. "v > -50*mV"), got a value in ${dimName(t.dim)}`,
        );
    }
  }
  // Reset.
  let reset: Statement[] = [];
  if (spec.reset !== undefined) {
    const p = `${path}.reset`;
    const parsed = parseStatements(spec.reset);
    for (const e of parsed.errors) rep.at('syntax_error', p, spec.reset, e.pos, e.length, e.message);
    reset = parsed.statements;
    checkStatements(reset, p, spec.reset, model, scope, rep);
  }
  // Refractoriness: a time (constant or per-neuron expression) or a condition.
  let refractory: { kind: 'none' } | { kind: 'time'; expr: Expr } | { kind: 'cond'; expr: Expr } = {
    kind: 'none',
  };
  if (spec.refractory !== undefined) {
    const p = `${path}.refractory`;
    const e = parseField(spec.refractory, p, rep);
    if (e) {
      const t = typeOf(e, scope, { path: p, src: spec.refractory }, rep);
      if (t) {
        if (t.bool) refractory = { kind: 'cond', expr: e };
        else if (dimEq(t.dim, SECOND)) refractory = { kind: 'time', expr: e };
        else
          rep.at(
            'dimension_mismatch',
            p,
            spec.refractory,
            e.pos,
            e.end - e.pos,
            `refractory must be a time (e.g. "5*ms") or a condition, got a value in ${dimName(t.dim)}`,
          );
      }
    }
  }
  // Initial values.
  const inits: [string, Initializer][] = [];
  for (const [vname, value] of Object.entries(spec.init ?? {})) {
    const p = `${path}.init.${vname}`;
    const v = model.vars.get(vname);
    if (model.broken.has(vname)) continue;
    if (!v || v.kind === 'sub') {
      const notes = [...model.vars.values()].filter((x) => x.kind !== 'sub').map((x) => x.name);
      rep.field(
        'unknown_identifier',
        p,
        v
          ? `"${vname}" is a subexpression; it cannot be initialised`
          : `"${vname}" is not a variable of group "${name}"`,
        v ? [] : suggest(vname, notes),
      );
      continue;
    }
    const ctx = groupEmitContext(g, ns, dt, (n) => `${arr(n)}[idx]`, `${arr('not_refractory')}[idx]`);
    const inlined = (ex: Expr) => inlineSubexpressions(ex, model);
    const init = compileInit(
      value,
      { name: vname, dim: v.dim, bool: v.type === 'boolean', integer: v.type === 'integer' },
      p,
      {
        scope,
        ctx: {
          ...ctx,
          ref: (n) =>
            model.vars.get(n)?.kind === 'sub'
              ? `(${emit(inlined({ k: 'name', name: n, pos: 0, end: 0 }), ctx)})`
              : ctx.ref(n),
        },
        params: ['A', 'T', 't'],
        args: () => [initArrays.current, initArrays.timed, 0],
        count: () => spec.N,
        prelude: prelude(
          [
            ...[...model.vars.values()].filter((x) => x.kind !== 'sub').map((x) => x.name),
            'lastspike',
            'not_refractory',
          ],
          ns,
        ),
      },
      rep,
    );
    if (init) inits.push([vname, init]);
  }
  const method = spec.method === 'linear' ? 'exact' : spec.method;
  // With errors the group is still returned, so that synapses and monitors referring to it are
  // checked too (every problem at once); compile() fails before anything is built.

  const parts: NeuronParts = { threshold, reset, refractory, inits, method };
  let integration: Integration | undefined;
  return {
    kind: 'neurons',
    name,
    N: spec.N,
    model,
    method,
    symbols,
    finalize: (written, flagRead = true) => {
      parts.flagRead =
        flagRead ||
        /\bnot_refractory\b/.test([spec.model, spec.threshold, spec.reset, spec.refractory].join('\n'));
      if (modelFailed) return false;
      integration = chooseIntegration(name, spec, g, parts, ns, dt, written, rep);
      return integration !== undefined;
    },
    build: (bc) => buildNeuronGroup(name, g, parts, integration!, bc),
  };
}

function suggest(n: string, c: string[]): string[] {
  return c.length ? [`variables of this group: ${c.join(', ')}`] : [];
}

/** Checks statements' targets and dimensions (resets, and the synaptic code through its own scope). */
export function checkStatements(
  stmts: Statement[],
  path: string,
  src: string,
  model: ModelDef,
  scope: Scope,
  rep: Reporter,
  writable?: (name: string) => Sym | undefined,
): void {
  for (const s of stmts) {
    if (scope.lookup(s.target)?.poisoned) continue;
    const target = writable
      ? writable(s.target)
      : model.vars.get(s.target)
        ? scope.lookup(s.target)
        : undefined;
    const v = model.vars.get(s.target);
    const refuse = (message: string) =>
      rep.at('invalid_reference', path, src, s.targetPos, s.target.length, message);
    if (!target) {
      const known = scope.lookup(s.target);
      const msg = known
        ? `"${s.target}" cannot be assigned (it is ${known.kind === 'const' || known.kind === 'unit' ? 'a constant' : known.kind === 'sub' ? 'a subexpression' : 'read-only'})`
        : `unknown variable "${s.target}"`;
      const names = [...model.vars.values()].filter((x) => x.kind !== 'sub').map((x) => x.name);
      rep.at(
        known ? 'invalid_reference' : 'unknown_identifier',
        path,
        src,
        s.targetPos,
        s.target.length,
        msg,
        known ? [] : didYouMean(s.target, names),
      );
      typeOf(s.expr, scope, { path, src }, rep);
      continue;
    }
    if (v?.flags.has('constant')) {
      refuse(`"${s.target}" is a constant parameter and cannot be assigned`);
      continue;
    }
    if (target.kind === 'sub') {
      refuse(`"${s.target}" is a subexpression and cannot be assigned`);
      continue;
    }
    const t = typeOf(s.expr, scope, { path, src }, rep);
    if (!t) continue;
    if (target.bool) continue;
    if (s.op === '*=' || s.op === '/=') {
      if (!dimEq(t.dim, DIMENSIONLESS))
        rep.at(
          'dimension_mismatch',
          path,
          src,
          s.expr.pos,
          s.expr.end - s.expr.pos,
          `"${s.op}" needs a dimensionless factor, got ${dimName(t.dim)}`,
        );
    } else if (!dimEq(t.dim, target.dim) && t.value !== 0) {
      const verb = s.op === '=' ? 'assign' : s.op === '+=' ? 'add' : 'subtract';
      const prep = s.op === '=' ? 'to' : s.op === '+=' ? 'to' : 'from';
      rep.at(
        'dimension_mismatch',
        path,
        src,
        s.expr.pos,
        s.expr.end - s.expr.pos,
        `cannot ${verb} ${dimName(t.dim)} ${prep} "${s.target}" (${dimName(target.dim)})`,
      );
    }
  }
}

interface NeuronParts {
  /** Whether any code reads the not_refractory flag (else it is derived when recorded). */
  flagRead?: boolean;
  threshold: Expr | undefined;
  reset: Statement[];
  refractory: { kind: 'none' } | { kind: 'time'; expr: Expr } | { kind: 'cond'; expr: Expr };
  inits: [string, Initializer][];
  method: Method | undefined;
}

function chooseIntegration(
  name: string,
  spec: NeuronGroup,
  g: { N: number; model: ModelDef; symbols: Map<string, Sym> },
  parts: NeuronParts,
  ns: Namespace,
  dt: number,
  writtenBySynapses: ReadonlySet<string>,
  rep: Reporter,
): Integration | undefined {
  const { model } = g;
  const N = g.N;
  // Which variables change during the run besides the state variables.
  const written = new Set<string>(writtenBySynapses);
  for (const s of parts.reset) written.add(s.target);
  const hasRef = parts.refractory.kind !== 'none';
  const inline = (e: Expr) => inlineSubexpressions(e, model);
  const eqs = model.diffs.map((v) => ({
    name: v.name,
    f: inline(v.expr!),
    clamp: v.flags.has('unless refractory'),
    explicitTime: mentionsTime(v.expr!, model, ns),
  }));
  const stepCtx = groupEmitContext(g, ns, dt, (n) => local(n), 'nr');
  let integration: Integration;
  try {
    integration = integrate(
      {
        eqs,
        dt,
        constValue: (n) => {
          if (model.vars.has(n) || g.symbols.has(n)) return n === 'dt' ? dt : n === 'N' ? N : undefined;
          const c = ns.constants.get(n);
          if (c) return c.value;
          return unitScope().lookup(n)?.value;
        },
        isTimeVarying: (n) => {
          const v = model.vars.get(n);
          if (v) return v.kind === 'state';
          return n === 't' || n === 'lastspike' || n === 'not_refractory' || ns.timed.has(n);
        },
        isWritten: (n) => written.has(n),
        ctx: stepCtx,
        local,
      },
      parts.method,
      hasRef,
    );
  } catch (e) {
    if (e instanceof IntegrationError) {
      if (spec.method !== undefined) rep.field('invalid_method', `groups.${name}.method`, e.message);
      else rep.field('invalid_method', `groups.${name}.model`, e.message);
      return undefined;
    }
    throw e;
  }

  return integration;
}

function buildNeuronGroup(
  name: string,
  g: { N: number; model: ModelDef; symbols: Map<string, Sym> },
  parts: NeuronParts,
  integration: Integration,
  bc: BuildContext,
): GroupRuntime {
  const { model } = g;
  const N = g.N;
  const dt = bc.dt;
  const inline = (e: Expr) => inlineSubexpressions(e, model);
  const hasRef = parts.refractory.kind !== 'none';
  const stepCtx = groupEmitContext(g, bc.ns, dt, (n) => local(n), 'nr');
  const rng = new Rng(bc.seed, name, 'dynamics');
  const F = kernelHelpers(rng);
  const refCtx = groupEmitContext(g, bc.ns, dt, (n) => local(n), `${arr('not_refractory')}[idx]`);
  let refCode: string;
  let untilSteps = 0;
  let derivedFlag = false;
  switch (parts.refractory.kind) {
    case 'none':
      refCode = 'const nr = 1;';
      break;
    case 'time': {
      const e = inline(parts.refractory.expr);
      const ids = identifiers(e);
      const constant = [...ids].every((n) => !g.symbols.has(n));
      const steps = constant
        ? literal(
            Math.trunc(
              (evalConst(e, (n) => bc.ns.constants.get(n)?.value ?? unitScope().lookup(n)?.value) +
                1e-3 * dt) /
                dt,
            ),
          )
        : `Math.trunc((${emit(e, refCtx)} + ${literal(1e-3 * dt)}) / ${literal(dt)})`;
      // Brian 2: timestep(t - lastspike, dt) >= timestep(refractory, dt), timestep(x) = int((x + 1e-3·dt)/dt).
      // t - lastspike is a whole number of steps (± rounding), so for a constant period the test is
      // the same as comparing against steps·dt, without a division per neuron.
      if (constant && Number(steps) >= 1) {
        // A constant period of R ≥ 1 steps: the neuron that spiked at step s is refractory until
        // step s + R, kept as an integer per neuron (no float test, no flag read per step).
        untilSteps = Number(steps);
        // The flag array is kept up to date only if code reads it; monitors derive it from U.
        derivedFlag = parts.flagRead === false;
        refCode = derivedFlag
          ? `const nr = k >= U[idx] ? 1 : 0;`
          : `const nr = k >= U[idx] ? 1 : 0;\nif (k === U[idx]) ${arr('not_refractory')}[idx] = 1;`;
        break;
      }
      const test = `Math.trunc((t - ${arr('lastspike')}[idx] + ${literal(1e-3 * dt)}) / ${literal(dt)}) >= ${steps}`;
      refCode = `const nr = ${test} ? 1 : 0;\nif (${arr('not_refractory')}[idx] !== nr) ${arr('not_refractory')}[idx] = nr;`;
      break;
    }
    case 'cond':
      refCode = `const nr = (${arr('not_refractory')}[idx] || !(${emit(inline(parts.refractory.expr), refCtx)})) ? 1 : 0;\n${arr('not_refractory')}[idx] = nr;`;
      break;
  }
  const states = model.diffs.map((v) => v.name);
  // The WebAssembly kernel, where the group's step is pure arithmetic it translates (else undefined).
  const update: WasmUpdate | undefined = integration.linear
    ? { kind: 'linear', ...integration.linear }
    : integration.euler
      ? { kind: 'euler', ...integration.euler, dt }
      : undefined;
  const fast =
    bc.wasm !== false && update && (!hasRef || (untilSteps > 0 && derivedFlag))
      ? wasmNeuronStep({
          N,
          states,
          update,
          params: [...model.vars.values()]
            .filter((v) => v.kind === 'param')
            .map((v) => ({ name: v.name, shared: v.flags.has('shared'), bool: v.type === 'boolean' })),
          threshold: parts.threshold && inline(parts.threshold),
          untilSteps,
          writeFlag: !hasRef,
          constant: (n) =>
            n === 'dt' ? dt : n === 'N' ? N : (bc.ns.constants.get(n)?.value ?? unitScope().lookup(n)?.value),
        })
      : undefined;
  const arrays = new Map<string, StateArray>();
  if (fast) {
    for (const [n, a] of fast.arrays) arrays.set(n, a);
    arrays.set('not_refractory', fast.notRefractory);
  } else {
    for (const v of model.vars.values())
      if (v.kind !== 'sub') arrays.set(v.name, new Float64Array(v.flags.has('shared') ? 1 : N));
    arrays.set('lastspike', new Float64Array(N).fill(-1e4));
    arrays.set('not_refractory', new Uint8Array(N).fill(1));
  }
  const timed = new Map<string, (t: number, i?: number) => number>();
  for (const [tn, ta] of bc.ns.timed) timed.set(tn, timedArrayHelper(ta, dt));

  // Initial values, in key order, from the group's own init stream.
  const initRng = new Rng(bc.seed, name, 'init');
  for (const [vname, init] of parts.inits) {
    const out = arrays.get(vname)!;
    const wrapped: Initializer = init;
    // Init kernels read other arrays through A.
    const target = new Float64Array(out.length);
    runInit(wrapped, target, initRng, arrays, timed);
    out.set(target);
  }

  // Per-neuron exact propagators.
  const P: Record<string, Float64Array> = {};
  if (integration.perNeuron) {
    const { n, coefficients, clampRows } = integration.perNeuron;
    const coefCtx = groupEmitContext(g, bc.ns, dt, (nm) => `${arr(nm)}[idx]`, '1');
    const coefFn = makeKernel<(idx: number, out: Float64Array) => void>(
      ['A', 'T'],
      `${prelude(arrays.keys(), bc.ns)}\nreturn function (idx, out) {\n${coefficients.map((c, k) => `out[${k}] = ${emit(c, coefCtx)};`).join('\n')}\n};`,
      [arrays, timed],
    );
    const nn = n * n;
    P.P_M = new Float64Array(N * nn);
    P.P_K = new Float64Array(N * nn);
    P.P_M0 = new Float64Array(N * nn);
    P.P_K0 = new Float64Array(N * nn);
    const a = new Float64Array(nn);
    const a0 = new Float64Array(nn);
    for (let idx = 0; idx < N; idx++) {
      coefFn(idx, a);
      const { M, K } = exactPropagators(a, n, dt);
      P.P_M.set(M, idx * nn);
      P.P_K.set(K, idx * nn);
      if (clampRows.some(Boolean)) {
        for (let r = 0; r < n; r++)
          for (let c = 0; c < n; c++) a0[r * n + c] = clampRows[r] ? 0 : a[r * n + c]!;
        const z = exactPropagators(a0, n, dt);
        P.P_M0.set(z.M, idx * nn);
        P.P_K0.set(z.K, idx * nn);
      }
    }
  }

  const thrCode = parts.threshold ? emit(inline(parts.threshold), stepCtx) : 'false';
  const thrTest = hasRef ? `(${thrCode}) && nr` : thrCode;
  const src = `${prelude(arrays.keys(), bc.ns)}
const S = spikes;
return function step(k, t) {
  let ns = 0;
  for (let idx = 0; idx < ${N}; idx++) {
    ${states.map((s) => `let ${local(s)} = ${model.vars.get(s)!.flags.has('shared') ? `${arr(s)}[0]` : `${arr(s)}[idx]`};`).join('\n    ')}
    ${refCode}
    ${integration.code.split('\n').join('\n    ')}
    ${states.map((s) => `${arr(s)}[idx] = ${local(s)};`).join('\n    ')}
    if (${thrTest}) { S[ns++] = idx; ${arr('lastspike')}[idx] = t;${derivedFlag ? '' : ` ${arr('not_refractory')}[idx] = 0;`}${untilSteps ? ` U[idx] = k + ${untilSteps};` : ''} }
  }
  return ns;
};`;
  const spikes = fast?.spikes ?? new Int32Array(N);
  const until = fast?.until ?? new Int32Array(untilSteps ? N : 0).fill(-2147483648);
  // The last step whose update ran: the derived flag reads as Brian 2's stored not_refractory.
  let lastStep = -1;
  if (derivedFlag) arrays.delete('not_refractory');
  const split =
    fast && bc.threads ? splitStep(fast.range, fast.arena.shared, spikes, N, bc.threads) : undefined;
  const step =
    split?.step ??
    fast?.step ??
    makeKernel<(k: number, t: number) => number>(
      ['A', 'T', 'F', 'spikes', 'U', 'P_M', 'P_K', 'P_M0', 'P_K0'],
      src,
      [arrays, timed, F, spikes, until, P.P_M, P.P_K, P.P_M0, P.P_K0],
    );

  const resetCtx = groupEmitContext(g, bc.ns, dt, (n) => `${arr(n)}[idx]`, `${arr('not_refractory')}[idx]`);
  const resetBody = compileStatements(parts.reset, model, resetCtx, inline);
  const resetFn = parts.reset.length
    ? makeKernel<(t: number, n: number) => void>(
        ['A', 'T', 'F', 'spikes'],
        `${prelude(arrays.keys(), bc.ns)}\nreturn function reset(t, n) {\n  for (let s = 0; s < n; s++) {\n    const idx = spikes[s];\n    ${resetBody}\n  }\n};`,
        [arrays, timed, F, spikes],
      )
    : undefined;

  const rt: GroupRuntime = {
    name,
    N,
    kind: 'neurons',
    arrays,
    spikes,
    nspikes: 0,
    method: integration.method,
    kernel: fast ? 'wasm' : 'js',
    threads: split ? Math.floor(bc.threads!.count) : 1,
    ...(split ? { close: split.close } : {}),
    ...(fast ? { arena: fast.arena } : {}),
    update(k, t) {
      rt.nspikes = step(k, t);
      lastStep = k;
    },
    reset(t) {
      if (resetFn && rt.nspikes > 0) resetFn(t, rt.nspikes);
    },
    recorder: (vname) =>
      vname === 'not_refractory' && derivedFlag
        ? (idx) => (lastStep >= until[idx]! ? 1 : 0)
        : groupRecorder(g, bc, arrays, timed, vname),
  };
  return rt;
}

function runInit(
  init: Initializer,
  out: Float64Array,
  rng: Rng,
  arrays: Map<string, StateArray>,
  timed: Map<string, unknown>,
): void {
  initArrays.current = arrays;
  initArrays.timed = timed;
  try {
    init(out, rng);
  } finally {
    initArrays.current = undefined;
  }
}

/** The arrays an init kernel reads (set while it runs). */
export const initArrays: {
  current: Map<string, StateArray> | undefined;
  timed: Map<string, unknown> | undefined;
} = { current: undefined, timed: undefined };

/** Reads one variable (state, parameter, subexpression or built-in) of neuron `idx` at time t. */
export function groupRecorder(
  g: { N: number; model: ModelDef; symbols: Map<string, Sym> },
  bc: BuildContext,
  arrays: Map<string, StateArray>,
  timed: Map<string, unknown>,
  vname: string,
): Recorder | undefined {
  const v = g.model.vars.get(vname);
  if (!v && !['lastspike', 'not_refractory'].includes(vname)) return undefined;
  const direct = arrays.get(vname);
  if (direct) return v?.flags.has('shared') ? () => direct[0]! : (idx) => direct[idx]!;
  const ctx = groupEmitContext(g, bc.ns, bc.dt, (n) => `${arr(n)}[idx]`, `${arr('not_refractory')}[idx]`);
  const e = inlineSubexpressions({ k: 'name', name: vname, pos: 0, end: 0 }, g.model);
  const F = kernelHelpers();
  return makeKernel<Recorder>(
    ['A', 'T', 'F'],
    `${prelude(arrays.keys(), bc.ns)}\nreturn function (idx, t) { return +(${emit(e, ctx)}); };`,
    [arrays, timed, F],
  );
}

/** Thrown after a build-time diagnostic (e.g. an integrator that does not apply). */
export class BuildAborted extends Error {}
