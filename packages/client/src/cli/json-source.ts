/**
 * Reading a spec file: JSON with a precise position when it is not JSON (V8's messages do not
 * always carry one), and lookup of the string a diagnostic's dotted path points at.
 */
import { findJsonSyntaxError } from '@volley/spec';

export interface SourcePosition {
  /** 0-based offset, 1-based line and column. */
  offset: number;
  line: number;
  column: number;
}

export type ParsedJson =
  { ok: true; value: unknown } | { ok: false; message: string; position: SourcePosition };

export function positionOf(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** The text of the given 1-based line (without its line break). */
export function lineOf(text: string, line: number): string {
  return text.split(/\r?\n/)[line - 1] ?? '';
}

export function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const found = findSyntaxError(text);
    const fallback = err instanceof Error ? err.message : String(err);
    if (found === undefined) return { ok: false, message: fallback, position: positionOf(text, 0) };
    return { ok: false, message: found.message, position: positionOf(text, found.offset) };
  }
}

/** The first syntax error of a text `JSON.parse` refused: where, and what was expected. */
export function findSyntaxError(text: string): { offset: number; message: string } | undefined {
  const found = findJsonSyntaxError(text);
  return found && { offset: found.position, message: found.message };
}

/** Splits a diagnostic path (`groups.G.model`, `synapses.S.connect[1].p`, `a/b/c`) into keys. */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^[$/.]+/, '');
  if (trimmed === '') return [];
  return trimmed
    .replace(/\[(\d+)\]/g, '.$1')
    .split(/[./]/)
    .filter((p) => p !== '');
}

/** The value at a diagnostic path inside the parsed spec, if there is one. */
export function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of splitPath(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
