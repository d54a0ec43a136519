/** The CLI's two output streams and how it fails: user-facing errors carry an exit code, never a stack. */
import type { ReportStyle } from './diagnostic-report.js';

/** Exit codes: 1 the work failed (bad spec, failed simulation, API error), 2 bad usage, 130 interrupted. */
export const ExitCode = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** A failure to report as one message and an exit code (no stack trace). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
  }
}

export function stderrStyle(): ReportStyle {
  return { color: process.stderr.isTTY === true && !('NO_COLOR' in process.env) };
}

export function out(line = ''): void {
  process.stdout.write(line + '\n');
}

export function err(line = ''): void {
  process.stderr.write(line + '\n');
}
