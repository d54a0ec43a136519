import type { Diagnostic, NetworkSize } from './contract.js';

/** A compiled, runnable network. Opaque beyond these fields. */
export interface Program {
  readonly seed: number;
  readonly dt: number;
  readonly duration: number;
  readonly steps: number;
  readonly size: NetworkSize;
}

export type CompileResult = { ok: true; program: Program } | { ok: false; diagnostics: Diagnostic[] };

/** Validates and compiles a spec (parsed JSON). Never throws for user mistakes. */
export function compile(_spec: unknown): CompileResult {
  throw new Error('compile: under construction');
}
