/**
 * `volley run` and offline `volley validate`: the simulator core in this process, no server.
 * The run advances chunk by chunk and yields to the event loop between chunks, so the progress
 * bar redraws and Ctrl-C stops the run cleanly (the results so far are still written).
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import { SpecRuntimeError, compile, createSimulation, type Program, type Results } from '@volley/sim';
import { formatDiagnostics } from './diagnostic-report.js';
import { writeJson } from './json-writer.js';
import { ProgressBar, formatSeconds } from './progress-bar.js';
import { loadSpec } from './spec-file.js';
import { formatCount, formatQuantity, summarize } from './summary.js';
import { CliError, ExitCode, err, out, stderrStyle } from './terminal.js';

/** Compiles a spec file, or throws a CliError listing every diagnostic with carets. */
export async function compileFile(
  path: string,
  seed?: number,
  threads = 1,
): Promise<{ program: Program; spec: unknown }> {
  const { spec } = await loadSpec(path, seed);
  const compiled = compile(spec, threads > 1 ? { threads: { count: threads, Worker } } : {});
  if (!compiled.ok) throw new CliError(formatDiagnostics(compiled.diagnostics, spec, stderrStyle()));
  return { program: compiled.program, spec };
}

function specName(spec: unknown): string | undefined {
  if (spec !== null && typeof spec === 'object' && 'name' in spec && typeof spec.name === 'string')
    return spec.name;
  return undefined;
}

export interface RunFlags {
  out?: string;
  seed?: number;
  /** Steps per chunk; default 10 ms of simulated time. */
  chunkSteps?: number;
  json?: boolean;
  /** Threads for large neuron groups (default 1). */
  threads?: number;
}

export async function runCommand(path: string, flags: RunFlags): Promise<number> {
  const { program, spec } = await compileFile(path, flags.seed, flags.threads);
  const sim = userErrors(path, () => createSimulation(program));
  const chunkSteps = Math.max(1, flags.chunkSteps ?? Math.round(0.01 / program.dt));
  const bar = new ProgressBar(process.stderr);
  let spikes = 0;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  try {
    let lastYield = Date.now();
    while (!sim.done && !interrupted) {
      const chunk = userErrors(path, () => sim.advance(chunkSteps));
      for (const ev of chunk.events) {
        if (ev.type === 'spikes') spikes += ev.i.length;
        else if (ev.type === 'progress') {
          bar.update(
            ev.fraction,
            `t ${formatQuantity(ev.t, 's')} / ${formatQuantity(program.duration, 's')}  ${formatCount(spikes)} spikes`,
          );
        }
      }
      if (Date.now() - lastYield > 50) {
        // Let the terminal, signals and timers through between chunks.
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = Date.now();
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    bar.done();
    sim.close();
  }
  const results: Results = sim.results('local');
  if (interrupted)
    err(`interrupted at t = ${formatQuantity(lastTime(results, program), 's')}; results so far follow`);
  if (flags.out !== undefined) {
    const started = Date.now();
    await writeResults(flags.out, results);
    const size = flags.out === '-' ? 0 : (await stat(flags.out)).size;
    if (flags.out !== '-') {
      err(
        `wrote ${flags.out} (${formatBytes(size)} in ${formatSeconds((Date.now() - started) / 1000)}): ` +
          `${formatCount(results.stats.spikes)} spikes, ${formatCount(results.stats.steps)} steps, ` +
          `wall ${formatQuantity(results.stats.wall_time_s, 's')}, seed ${results.seed}`,
      );
    }
  } else if (flags.json === true) {
    await writeResults('-', results);
  } else {
    out(summarize(results, specName(spec)));
  }
  return interrupted ? ExitCode.interrupted : ExitCode.ok;
}

/** Mistakes the compiler cannot see (they show once the network is built) are the user's, not bugs. */
function userErrors<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SpecRuntimeError) throw new CliError(`${path}: ${e.message}`);
    throw e;
  }
}

function lastTime(results: Results, program: Program): number {
  return Math.min(program.duration, results.stats.steps * program.dt);
}

export async function writeResults(path: string, results: Results): Promise<void> {
  if (path === '-') {
    await writeJson(process.stdout, results);
    return;
  }
  const file = createWriteStream(path);
  // Listening from the start, so an open error (missing directory) is reported, not thrown at the loop.
  const closed = finished(file);
  try {
    await writeJson(file, results);
    file.end();
    await closed;
  } catch (e) {
    file.destroy();
    await closed.catch(() => undefined);
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export async function validateLocal(path: string, json: boolean): Promise<number> {
  const { program } = await compileFile(path);
  if (json) out(JSON.stringify({ ok: true, size: program.size }));
  else out(`${path}: valid (offline check) — ${describeSize(program.size)}`);
  return ExitCode.ok;
}

export function describeSize(size: Program['size']): string {
  return (
    `${formatCount(size.neurons)} neurons, ~${formatCount(Math.round(size.synapses))} synapses, ` +
    `${formatCount(size.steps)} steps, ~${formatCount(size.recordedSamples)} recorded samples, ` +
    `~${formatBytes(size.memoryBytes)} memory`
  );
}
