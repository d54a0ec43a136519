/**
 * Turns zod issues from `NetworkSpecSchema` into the API's diagnostics: dotted paths, one
 * diagnostic per unknown field with a "did you mean" note, unions reported through the branch
 * that matched the input's shape, and stable codes from one table.
 */
import * as z from 'zod';
import type { Diagnostic } from './api.js';
import { NetworkSpecSchema, type NetworkSpec } from './network.js';
import { didYouMean } from './suggest.js';

/** Codes of the diagnostics this package produces (the compiler adds its own). */
export const SPEC_DIAGNOSTIC_CODES = {
  /** The request body is not JSON at all (for the API and CLI, which parse the text). */
  invalid_json: 'invalid_json',
  missing_field: 'missing_field',
  unknown_field: 'unknown_field',
  invalid_type: 'invalid_type',
  /** A group or monitor `type` this version does not know. */
  unknown_type: 'unknown_type',
  invalid_value: 'invalid_value',
  invalid_format: 'invalid_format',
  out_of_range: 'out_of_range',
  /** A key of `groups`, `synapses`, `monitors`, `constants` or `init` that is not an identifier. */
  invalid_name: 'invalid_name',
  duplicate_name: 'duplicate_name',
  duplicate_variable: 'duplicate_variable',
  /** A reference to a name that does not exist. */
  unknown_reference: 'unknown_reference',
  /** A reference to an object of the wrong kind (a monitor as a synapse source, …). */
  wrong_reference: 'wrong_reference',
  invalid_slice: 'invalid_slice',
  index_out_of_range: 'index_out_of_range',
  /** Arrays whose lengths must agree (init values and N, spike indices and times, …). */
  length_mismatch: 'length_mismatch',
  /** A connect call combining arguments that Brian 2 does not allow together. */
  invalid_connect: 'invalid_connect',
} as const;

export type SpecDiagnosticCode = keyof typeof SPEC_DIAGNOSTIC_CODES;

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

/** Dotted path, as diagnostics carry it: `groups.G.init.v`, `synapses.S.connect.0.i`. */
export function formatPath(path: readonly PathKey[]): string {
  return path.map(String).join('.');
}

/**
 * Diagnostics for the issues of a failed `NetworkSpecSchema` parse of `input` (the input is needed
 * to describe missing fields and suggest names).
 */
export function specDiagnostics(issues: readonly Issue[], input: unknown): Diagnostic[] {
  return issues.flatMap((issue) => fromIssue(issue, [], input));
}

/** Parses a spec, returning errors as values. */
export function parseNetworkSpec(
  input: unknown,
): { ok: true; spec: NetworkSpec } | { ok: false; diagnostics: Diagnostic[] } {
  const result = NetworkSpecSchema.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, diagnostics: specDiagnostics(result.error.issues, input) };
}

function diagnostic(
  code: SpecDiagnosticCode,
  message: string,
  path: readonly PathKey[],
  notes: string[] = [],
): Diagnostic {
  const d: Diagnostic = { code, message, path: formatPath(path) };
  if (notes.length > 0) d.notes = notes;
  return d;
}

function fromIssue(issue: Issue, prefix: readonly PathKey[], input: unknown): Diagnostic[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(path, input);
      return issue.keys.map((key) =>
        diagnostic('unknown_field', `unknown field "${key}"`, [...path, key], didYouMean(key, known)),
      );
    }
    case 'invalid_type': {
      const missing = path.length > 0 && valueAt(input, path) === undefined;
      if (missing) {
        const field = String(path[path.length - 1]);
        return [diagnostic('missing_field', `missing required field "${field}"`, path)];
      }
      return [
        diagnostic(
          'invalid_type',
          `expected ${article(issue.expected)}, got ${describe(valueAt(input, path))}`,
          path,
        ),
      ];
    }
    case 'invalid_union':
      return fromUnion(issue, path, input);
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? 'must be an identifier';
      return [diagnostic('invalid_name', `invalid name "${String(path[path.length - 1])}": ${inner}`, path)];
    }
    case 'invalid_element':
      return issue.issues.flatMap((inner) => fromIssue(inner, path, input));
    case 'invalid_value': {
      const value = valueAt(input, path);
      const options = issue.values.filter((v): v is string => typeof v === 'string');
      const notes = typeof value === 'string' ? didYouMean(value, options) : [];
      return [diagnostic('invalid_value', issue.message, path, notes)];
    }
    case 'too_small':
    case 'too_big':
      return [diagnostic('out_of_range', issue.message, path)];
    case 'invalid_format':
      return [diagnostic('invalid_format', issue.message, path)];
    case 'not_multiple_of':
      return [diagnostic('invalid_value', issue.message, path)];
    case 'custom': {
      const params = (issue.params ?? {}) as { code?: unknown; notes?: unknown };
      const code =
        typeof params.code === 'string' && params.code in SPEC_DIAGNOSTIC_CODES
          ? (params.code as SpecDiagnosticCode)
          : 'invalid_value';
      const notes = Array.isArray(params.notes) ? params.notes.filter((n) => typeof n === 'string') : [];
      return [diagnostic(code, issue.message, path, notes)];
    }
  }
}

function fromUnion(issue: z.core.$ZodIssueInvalidUnion, path: PathKey[], input: unknown): Diagnostic[] {
  const value = valueAt(input, path);
  if (issue.discriminator !== undefined) {
    // A discriminated union whose discriminator matched nothing; the issue's path ends at it.
    const options = 'options' in issue ? (issue.options ?? []) : [];
    const expected = options.map((o) => JSON.stringify(o)).join(', ');
    const notes = typeof value === 'string' ? didYouMean(value, options.map(String)) : [];
    const message =
      value === undefined
        ? `missing required field "${issue.discriminator}" (one of ${expected})`
        : `unknown ${issue.discriminator} ${JSON.stringify(value)}: expected one of ${expected}`;
    return [diagnostic(value === undefined ? 'missing_field' : 'unknown_type', message, path, notes)];
  }
  // Branches that accepted the input's shape fail below their own root; report through those.
  const deeper = issue.errors.filter((branch) => !branch.every(isShallow));
  const [only] = deeper;
  if (deeper.length === 1 && only !== undefined)
    return only.flatMap((inner) => fromIssue(inner, path, input));
  if (value === undefined && path.length > 0) {
    return [diagnostic('missing_field', `missing required field "${String(path[path.length - 1])}"`, path)];
  }
  const message =
    deeper.length === 0
      ? `expected ${joinOr([...new Set(issue.errors.flatMap(expectedTypes))].map(article))}, got ${describe(value)}`
      : issue.message;
  return [diagnostic('invalid_type', message, path)];
}

/** An issue saying only "the value has the wrong JSON type" (directly, or in every branch of a union). */
function isShallow(issue: Issue): boolean {
  if (issue.path.length > 0) return false;
  if (issue.code === 'invalid_type') return true;
  return (
    issue.code === 'invalid_union' &&
    issue.discriminator === undefined &&
    issue.errors.every((b) => b.every(isShallow))
  );
}

function expectedTypes(branch: Issue[]): string[] {
  return branch.flatMap((issue) =>
    issue.code === 'invalid_type'
      ? [issue.expected]
      : issue.code === 'invalid_union'
        ? issue.errors.flatMap(expectedTypes)
        : [],
  );
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] ?? ''}`;
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return article(typeof value);
}

function valueAt(input: unknown, path: readonly PathKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The loosely typed view of zod's schema definitions that walking a schema needs. */
interface Def {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  valueType?: z.core.$ZodType;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
  values?: unknown[];
}

const defOf = (schema: z.core.$ZodType): Def => schema._zod.def;

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (next === undefined) return current;
    current = next;
  }
}

/** The union member that the value is shaped for (by discriminator, else by JSON kind). */
function pickOption(schema: z.core.$ZodType, value: unknown): z.core.$ZodType {
  const current = unwrap(schema);
  const def = defOf(current);
  if (def.type !== 'union' || def.options === undefined) return current;
  const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
  const disc = def.discriminator;
  const match = def.options.find((option) => {
    const o = defOf(unwrap(option));
    if (disc !== undefined && isObject) {
      const tag = o.shape?.[disc];
      const literal = tag === undefined ? undefined : defOf(unwrap(tag)).values;
      return literal?.includes((value as Record<string, unknown>)[disc]) ?? false;
    }
    if (Array.isArray(value)) return o.type === 'array';
    return isObject && (o.type === 'object' || o.type === 'record');
  });
  return match === undefined ? current : pickOption(match, value);
}

/** Field names of the object schema at `path` (for suggestions); empty when there is none. */
function knownKeysAt(path: readonly PathKey[], input: unknown): string[] {
  let schema: z.core.$ZodType = NetworkSpecSchema;
  let value = input;
  for (const key of path) {
    const def = defOf(pickOption(schema, value));
    const next =
      def.type === 'object'
        ? def.shape?.[String(key)]
        : def.type === 'record'
          ? def.valueType
          : def.type === 'array'
            ? def.element
            : undefined;
    if (next === undefined) return [];
    schema = next;
    value = valueAt(value, [key]);
  }
  return Object.keys(defOf(pickOption(schema, value)).shape ?? {});
}
