/** Diagnostics with positions, the one way user mistakes leave the compiler. */
import type { Diagnostic } from './contract.js';

export const CODES = {
  invalid_spec: 'invalid_spec',
  syntax_error: 'syntax_error',
  unknown_identifier: 'unknown_identifier',
  unknown_function: 'unknown_function',
  dimension_mismatch: 'dimension_mismatch',
  type_error: 'type_error',
  invalid_method: 'invalid_method',
  invalid_value: 'invalid_value',
  invalid_reference: 'invalid_reference',
  duplicate_definition: 'duplicate_definition',
  cycle: 'cycle',
} as const;
export type DiagnosticCode = keyof typeof CODES;

/** 1-based line and column of an offset in `src`. */
export function lineCol(src: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lastNl = -1;
  for (let p = 0; p < pos && p < src.length; p++) {
    if (src[p] === '\n') {
      line++;
      lastNl = p;
    }
  }
  return { line, column: pos - lastNl };
}

/** Collects every problem of a compilation, so users see them all at once. */
export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  /** A problem in a string field at an offset. */
  at(
    code: DiagnosticCode,
    path: string,
    src: string,
    pos: number,
    length: number,
    message: string,
    notes?: string[],
  ): void {
    const { line, column } = lineCol(src, pos);
    this.diagnostics.push({
      code,
      message,
      path,
      line,
      column,
      length: Math.max(1, length),
      ...(notes?.length ? { notes } : {}),
    });
  }

  /** A problem with a whole field (not a position inside a string). */
  field(code: DiagnosticCode, path: string, message: string, notes?: string[]): void {
    this.diagnostics.push({ code, message, path, ...(notes?.length ? { notes } : {}) });
  }

  get count(): number {
    return this.diagnostics.length;
  }
}

/** A place in the spec: the field's path and its string, for positioned diagnostics. */
export interface Where {
  path: string;
  src: string;
}

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** `did you mean "tau"?` for the closest candidates, if any is close enough. */
export function didYouMean(name: string, candidates: Iterable<string>): string[] {
  let best: string[] = [];
  let bestD = Infinity;
  const limit = Math.max(1, Math.floor(name.length / 3));
  for (const c of new Set(candidates)) {
    const dist = c.toLowerCase() === name.toLowerCase() ? 0.5 : levenshtein(name, c);
    if (dist > limit) continue;
    if (dist < bestD) {
      bestD = dist;
      best = [c];
    } else if (dist === bestD && best.length < 3) best.push(c);
  }
  return best.length ? [`did you mean ${best.map((b) => `"${b}"`).join(' or ')}?`] : [];
}
