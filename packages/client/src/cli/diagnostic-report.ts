/**
 * Human rendering of spec problems, the compiler's way: location, message, the offending line
 * of the equation string, and a caret under the column.
 *
 *   groups.G.model line 1 col 15: unknown identifier "taux"
 *       dv/dt = (1-v)/taux : 1
 *                     ^~~~
 *       note: did you mean "tau"?
 */
import type { Diagnostic } from '@volley/spec';
import { valueAt } from './json-source.js';

export interface ReportStyle {
  color: boolean;
}

const INDENT = '    ';

function paint(style: ReportStyle, code: string, text: string): string {
  return style.color ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** The line of source and a caret line under `column` (1-based), spanning `length` characters. */
export function caretBlock(lineText: string, column: number, length: number, style: ReportStyle): string[] {
  // Tabs would misalign the caret; show them as single spaces.
  const shown = lineText.replace(/\t/g, ' ');
  const col = Math.max(1, Math.min(column, shown.length + 1));
  const span = Math.max(1, Math.min(length, shown.length - col + 1));
  const caret = '^' + '~'.repeat(span - 1);
  return [INDENT + shown, INDENT + ' '.repeat(col - 1) + paint(style, '1;31', caret)];
}

export function formatDiagnostic(d: Diagnostic, spec: unknown, style: ReportStyle): string {
  const where = d.path === '' ? '(spec)' : d.path;
  const lines: string[] = [];
  if (d.line !== undefined) {
    const col = d.column ?? 1;
    lines.push(`${paint(style, '1', `${where} line ${d.line} col ${col}`)}: ${d.message}`);
    const source = valueAt(spec, d.path);
    if (typeof source === 'string') {
      const text = source.split(/\r?\n/)[d.line - 1];
      if (text !== undefined) lines.push(...caretBlock(text, col, d.length ?? 1, style));
    }
  } else {
    lines.push(`${paint(style, '1', where)}: ${d.message}`);
  }
  for (const note of d.notes ?? []) lines.push(`${INDENT}${paint(style, '36', 'note')}: ${note}`);
  return lines.join('\n');
}

export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  spec: unknown,
  style: ReportStyle,
): string {
  const n = diagnostics.length;
  const body = diagnostics.map((d) => formatDiagnostic(d, spec, style)).join('\n');
  return `${body}\n${n} error${n === 1 ? '' : 's'} in the spec`;
}
