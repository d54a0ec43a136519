/**
 * Errors at the door: a spec is compiled before it is queued, so a typo is a 400 with line and
 * column, not a failed job, and its size is checked against the service limits.
 */
import { randomInt } from 'node:crypto';
import { compile, type Diagnostic, type NetworkSize, type Program } from '@volley/sim';
import type { Limits } from './config.js';
import { apiError } from './errors.js';

/** The environment variable behind each limit, for messages a operator can act on. */
export const LIMIT_VARIABLES: Record<keyof Limits, string> = {
  neurons: 'MAX_NEURONS',
  synapses: 'MAX_SYNAPSES',
  steps: 'MAX_STEPS',
  recordedSamples: 'MAX_RECORDED_SAMPLES',
  memoryBytes: 'MAX_MEMORY_MB',
};

export interface LimitViolation {
  /** The size field: `neurons`, `synapses`, `steps`, `recordedSamples` or `memoryBytes`. */
  limit: keyof Limits;
  value: number;
  max: number;
}

export interface Admitted {
  /** The spec as it will be queued: the caller's, with `seed` filled in. */
  spec: unknown;
  program: Program;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Seeds are drawn from [0, 2^31) so they survive any integer schema and every language's ints. */
export function randomSeed(): number {
  return randomInt(0, 2 ** 31);
}

export function checkLimits(size: NetworkSize, limits: Limits): LimitViolation[] {
  return (Object.keys(LIMIT_VARIABLES) as (keyof Limits)[])
    .filter((limit) => size[limit] > limits[limit])
    .map((limit) => ({ limit, value: size[limit], max: limits[limit] }));
}

const formatNumber = (n: number) => Math.round(n).toLocaleString('en-US');

function describeViolation(v: LimitViolation): string {
  const over = v.value - v.max;
  if (v.limit === 'memoryBytes') {
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    return `estimated memory ${mb(v.value)} is over ${LIMIT_VARIABLES[v.limit]} = ${mb(v.max)} by ${mb(over)}`;
  }
  return `${v.limit} ${formatNumber(v.value)} is over ${LIMIT_VARIABLES[v.limit]} = ${formatNumber(v.max)} by ${formatNumber(over)}`;
}

function describeDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.path : `${d.path}:${d.line}:${d.column ?? 1}`;
  return `${where}: ${d.message}`;
}

/**
 * Compiles the spec (after filling in a random seed when it has none) and checks its size.
 * @throws ApiError `invalid_spec` with every diagnostic unchanged, or `limit_exceeded`.
 */
export function admit(body: unknown, limits: Limits, options: { fillSeed: boolean }): Admitted {
  const spec =
    options.fillSeed && isPlainObject(body) && body.seed === undefined
      ? { ...body, seed: randomSeed() }
      : body;
  const compiled = compile(spec);
  if (!compiled.ok) {
    const { diagnostics } = compiled;
    const first = diagnostics[0];
    const summary =
      first === undefined
        ? 'the network spec has errors'
        : `the network spec has ${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}; first: ${describeDiagnostic(first)}`;
    throw apiError('invalid_spec', summary, { diagnostics });
  }
  const violations = checkLimits(compiled.program.size, limits);
  if (violations.length > 0) {
    throw apiError(
      'limit_exceeded',
      `the network exceeds the service limits: ${violations.map(describeViolation).join('; ')}`,
      {
        limits: violations,
      },
    );
  }
  return { spec, program: compiled.program };
}
