#!/usr/bin/env node
/**
 * `volley` — run Volley networks locally, or submit, watch and fetch them on a server.
 * Arguments are parsed with node:util's parseArgs, per command; see HELP below.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VolleyError } from './errors.js';
import { runCommand, validateLocal } from './cli/local-run.js';
import {
  DEFAULT_SERVER,
  cancelCommand,
  configuredServer,
  listCommand,
  resultsCommand,
  statusCommand,
  submitCommand,
  validateRemote,
} from './cli/remote.js';
import { formatDiagnostics } from './cli/diagnostic-report.js';
import { parseSeed } from './cli/spec-file.js';
import { CliError, ExitCode, err, out, stderrStyle } from './cli/terminal.js';

const HELP = `volley — spiking neural networks in Brian 2's language, locally or as a service

Usage:
  volley run SPEC.json [--out RESULTS.json] [--seed N] [--json] [--threads N]
      Compile and run the network in this process (no server). Writes the results
      document (NETWORK-SPEC.md, "Results") to --out, or prints a summary: spikes and
      mean rate per neuron of each spike monitor, steps, wall time and seed.
      --json prints the whole results document to stdout instead. --threads N splits
      the update of large neuron groups (16 384 neurons or more, on WebAssembly
      kernels) across N threads; the results are the same (default 1).
  volley validate SPEC.json [--server URL | --local] [--json]
      Check a spec without running it; errors show the equation line and a caret.
      Checks on the server when --server or VOLLEY_SERVER is set (the server also
      applies its size limits), otherwise offline with the local compiler.
  volley submit SPEC.json [--watch] [--out RESULTS.json] [--seed N] [--json]
      Queue the network on the server and print its id. --watch follows it live
      (progress, spike rate), then prints the summary or writes --out.
  volley status ID [--json]            One simulation: status, progress, size, stats.
  volley results ID [--out FILE|-] [--monitors a,b] [--json]
      Download the results document (to FILE, or stdout with "-"), or print a summary.
  volley cancel ID [--json]            Cancel a queued or running simulation.
  volley list [--limit N] [--cursor C] [--json]
      Your simulations, newest first.

Server options (every command but run):
  --server URL   API base URL (env VOLLEY_SERVER, default ${DEFAULT_SERVER})
  --key KEY      API key (env VOLLEY_API_KEY)

Spec files may be "-" for stdin. Exit codes: 0 ok, 1 failed (invalid spec, failed
simulation, API error), 2 bad usage, 130 interrupted.
`;

type Options = NonNullable<ParseArgsConfig['options']>;

const server: Options = {
  server: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
};

interface Command {
  options: Options;
  /** Positional arguments: their names, for the usage message. */
  args: string[];
  run(args: string[], values: Record<string, string | boolean | undefined>): Promise<number>;
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const flag = (v: string | boolean | undefined): boolean => v === true;

function serverFlags(values: Record<string, string | boolean | undefined>) {
  return { server: str(values.server), key: str(values.key), json: flag(values.json) };
}

function threadCount(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new CliError('--threads must be an integer from 1 to 64', ExitCode.usage);
  return n;
}

function chunkSteps(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError('--chunk-steps must be a positive integer', ExitCode.usage);
  return n;
}

const COMMANDS: Record<string, Command> = {
  run: {
    options: {
      out: { type: 'string', short: 'o' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      'chunk-steps': { type: 'string' },
      threads: { type: 'string' },
    },
    args: ['SPEC.json'],
    run: ([spec], v) => {
      const seed = parseSeed(str(v.seed));
      const steps = chunkSteps(str(v['chunk-steps']));
      const threads = threadCount(str(v.threads));
      const out = str(v.out);
      return runCommand(spec as string, {
        json: flag(v.json),
        ...(out === undefined ? {} : { out }),
        ...(seed === undefined ? {} : { seed }),
        ...(steps === undefined ? {} : { chunkSteps: steps }),
        ...(threads === undefined ? {} : { threads }),
      });
    },
  },
  validate: {
    options: { ...server, local: { type: 'boolean' } },
    args: ['SPEC.json'],
    run: ([spec], v) => {
      const flags = serverFlags(v);
      if (flag(v.local) || configuredServer(flags) === undefined)
        return validateLocal(spec as string, flags.json);
      return validateRemote(spec as string, flags);
    },
  },
  submit: {
    options: {
      ...server,
      watch: { type: 'boolean', short: 'w' },
      seed: { type: 'string' },
      out: { type: 'string', short: 'o' },
    },
    args: ['SPEC.json'],
    run: ([spec], v) => {
      const seed = parseSeed(str(v.seed));
      const out = str(v.out);
      return submitCommand(spec as string, {
        ...serverFlags(v),
        watch: flag(v.watch),
        ...(seed === undefined ? {} : { seed }),
        ...(out === undefined ? {} : { out }),
      });
    },
  },
  status: { options: server, args: ['ID'], run: ([id], v) => statusCommand(id as string, serverFlags(v)) },
  results: {
    options: { ...server, out: { type: 'string', short: 'o' }, monitors: { type: 'string' } },
    args: ['ID'],
    run: ([id], v) => {
      const out = str(v.out);
      const monitors = str(v.monitors);
      return resultsCommand(id as string, {
        ...serverFlags(v),
        ...(out === undefined ? {} : { out }),
        ...(monitors === undefined ? {} : { monitors }),
      });
    },
  },
  cancel: { options: server, args: ['ID'], run: ([id], v) => cancelCommand(id as string, serverFlags(v)) },
  list: {
    options: { ...server, limit: { type: 'string' }, cursor: { type: 'string' } },
    args: [],
    run: (_args, v) => {
      const limit = str(v.limit);
      const cursor = str(v.cursor);
      return listCommand({
        ...serverFlags(v),
        ...(limit === undefined ? {} : { limit }),
        ...(cursor === undefined ? {} : { cursor }),
      });
    },
  },
};

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? err : out)(HELP);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-v') {
    out(version());
    return ExitCode.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined)
    throw new CliError(`unknown command "${name}"; try: volley --help`, ExitCode.usage);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new CliError(
      `${(e as Error).message}\nusage: volley ${name} ${command.args.join(' ')}; see volley --help`,
      ExitCode.usage,
    );
  }
  if (parsed.values.help === true) {
    out(HELP);
    return ExitCode.ok;
  }
  if (parsed.positionals.length !== command.args.length) {
    const usage = `usage: volley ${name} ${command.args.join(' ')}`.trimEnd();
    throw new CliError(`${usage}; see volley --help`, ExitCode.usage);
  }
  return command.run(parsed.positionals, parsed.values);
}

function report(e: unknown): number {
  if (e instanceof CliError) {
    err(e.message);
    return e.exitCode;
  }
  if (e instanceof VolleyError) {
    const diagnostics = e.diagnostics;
    if (diagnostics !== undefined && diagnostics.length > 0) {
      err(formatDiagnostics(diagnostics, undefined, stderrStyle()));
    } else {
      const status = e.status === 0 ? '' : ` (HTTP ${e.status})`;
      err(`error: ${e.code}${status}: ${e.message}`);
      if (e.retryAfter !== undefined) err(`retry after ${Math.ceil(e.retryAfter)} s`);
    }
    return ExitCode.failure;
  }
  // A bug, not a user mistake: keep the stack.
  err(e instanceof Error ? (e.stack ?? e.message) : String(e));
  return ExitCode.failure;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = report(e);
  },
);
