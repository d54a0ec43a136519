/** Loading a spec file for any command: readable, JSON (or a located syntax error), optionally re-seeded. */
import { readFile } from 'node:fs/promises';
import { caretBlock } from './diagnostic-report.js';
import { lineOf, parseJson } from './json-source.js';
import { CliError, stderrStyle } from './terminal.js';

export interface SpecFile {
  path: string;
  spec: unknown;
}

export async function loadSpec(path: string, seed?: number): Promise<SpecFile> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new CliError(`cannot read ${path}: ${why}`);
  }
  const parsed = parseJson(text);
  if (!parsed.ok) {
    const { line, column } = parsed.position;
    const block = caretBlock(lineOf(text, line), column, 1, stderrStyle());
    throw new CliError(
      [`${path} is not valid JSON: line ${line} col ${column}: ${parsed.message}`, ...block].join('\n'),
    );
  }
  let spec = parsed.value;
  if (seed !== undefined) {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new CliError(`${path}: a spec is a JSON object, cannot set its seed`);
    }
    spec = { ...spec, seed };
  }
  return { path, spec };
}

export function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new CliError(`--seed must be a non-negative integer, got "${value}"`, 2);
  return n;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
