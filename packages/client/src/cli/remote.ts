/** The commands that talk to a Volley server through the SDK. */
import { VolleyError } from '../errors.js';
import { VolleyClient } from '../sdk.js';
import type { Simulation } from '../types.js';
import { formatDiagnostics } from './diagnostic-report.js';
import { describeSize } from './local-run.js';
import { writeResultsFromServer } from './remote-results.js';
import { loadSpec } from './spec-file.js';
import { formatCount, formatQuantity, summarize } from './summary.js';
import { CliError, ExitCode, err, out, stderrStyle } from './terminal.js';
import { watchSimulation } from './watch.js';

export const DEFAULT_SERVER = 'http://localhost:3000';

export interface ServerFlags {
  server?: string | undefined;
  key?: string | undefined;
}

/** `--server`, else `VOLLEY_SERVER`; undefined when neither is set. */
export function configuredServer(flags: ServerFlags): string | undefined {
  const s = flags.server ?? process.env.VOLLEY_SERVER;
  return s === undefined || s === '' ? undefined : s;
}

export function clientFor(flags: ServerFlags): VolleyClient {
  const server = configuredServer(flags) ?? DEFAULT_SERVER;
  const key = flags.key ?? process.env.VOLLEY_API_KEY;
  try {
    return new VolleyClient({ server, ...(key === undefined || key === '' ? {} : { key }) });
  } catch {
    throw new CliError(`--server: not a URL: ${server}`, ExitCode.usage);
  }
}

export async function submitCommand(
  path: string,
  flags: ServerFlags & { watch?: boolean; seed?: number; out?: string; json?: boolean },
): Promise<number> {
  const { spec } = await loadSpec(path, flags.seed);
  const client = clientFor(flags);
  let submitted;
  try {
    submitted = await client.submit(spec);
  } catch (e) {
    const diagnostics = e instanceof VolleyError ? e.diagnostics : undefined;
    if (diagnostics === undefined) throw e;
    throw new CliError(formatDiagnostics(diagnostics, spec, stderrStyle()));
  }
  if (flags.json === true && flags.watch !== true) {
    out(JSON.stringify(submitted));
    return ExitCode.ok;
  }
  if (flags.watch !== true) {
    out(submitted.id);
    err(`submitted ${submitted.id} (${submitted.status}); follow it with: volley status ${submitted.id}`);
    return ExitCode.ok;
  }
  err(`submitted ${submitted.id} (${submitted.status})`);
  const name = specName(spec);
  let neurons: number | undefined;
  try {
    neurons = (await client.get(submitted.id)).size.neurons;
  } catch {
    neurons = undefined;
  }
  return watchSimulation(client, submitted.id, {
    ...(name === undefined ? {} : { label: name }),
    ...(neurons === undefined ? {} : { neurons }),
    ...(flags.out === undefined ? {} : { resultsOut: flags.out }),
  });
}

function specName(spec: unknown): string | undefined {
  if (spec !== null && typeof spec === 'object' && 'name' in spec && typeof spec.name === 'string')
    return spec.name;
  return undefined;
}

export async function validateRemote(path: string, flags: ServerFlags & { json?: boolean }): Promise<number> {
  const { spec } = await loadSpec(path);
  const client = clientFor(flags);
  const v = await client.validate(spec);
  if (flags.json === true) {
    out(JSON.stringify(v));
    return v.ok ? ExitCode.ok : ExitCode.failure;
  }
  if (!v.ok) throw new CliError(formatDiagnostics(v.diagnostics, spec, stderrStyle()));
  out(`${path}: valid (checked by ${client.server}) — ${describeSize(v.size)}`);
  return ExitCode.ok;
}

function percent(f: number): string {
  return `${(f * 100).toFixed(0)}%`;
}

export function describeSimulation(s: Simulation): string {
  const lines = [`${s.id}${s.name === undefined ? '' : `  ${s.name}`}`, `  status    ${s.status}`];
  if (s.status === 'running' || s.status === 'queued') {
    lines.push(`  progress  ${percent(s.progress.fraction)} (t = ${formatQuantity(s.progress.t, 's')})`);
  }
  lines.push(`  seed      ${s.seed}`);
  lines.push(`  size      ${describeSize(s.size)}`);
  lines.push(`  created   ${s.createdAt}`);
  if (s.startedAt !== undefined) lines.push(`  started   ${s.startedAt}`);
  if (s.finishedAt !== undefined) lines.push(`  finished  ${s.finishedAt}`);
  if (s.stats !== undefined) {
    lines.push(
      `  stats     ${formatCount(s.stats.steps)} steps, ${formatCount(s.stats.spikes)} spikes, ` +
        `wall ${formatQuantity(s.stats.wall_time_s, 's')}`,
    );
  }
  if (s.error !== undefined) lines.push(`  error     ${s.error.code}: ${s.error.message}`);
  return lines.join('\n');
}

export async function statusCommand(id: string, flags: ServerFlags & { json?: boolean }): Promise<number> {
  const s = await clientFor(flags).get(id);
  out(flags.json === true ? JSON.stringify(s) : describeSimulation(s));
  return ExitCode.ok;
}

export async function resultsCommand(
  id: string,
  flags: ServerFlags & { out?: string; monitors?: string; json?: boolean },
): Promise<number> {
  const client = clientFor(flags);
  const monitors = (flags.monitors ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  const target = flags.out ?? (flags.json === true ? '-' : undefined);
  if (target !== undefined) {
    await writeResultsFromServer(client, id, target, monitors);
    if (target !== '-') err(`wrote ${target}`);
    return ExitCode.ok;
  }
  const [results, record] = await Promise.all([
    client.results(id, monitors.length > 0 ? { monitors } : {}),
    client.get(id),
  ]);
  out(summarize(results, record.name === undefined ? id : `${record.name} (${id})`));
  return ExitCode.ok;
}

export async function cancelCommand(id: string, flags: ServerFlags & { json?: boolean }): Promise<number> {
  const after = await clientFor(flags).cancel(id);
  if (flags.json === true) out(JSON.stringify(after ?? { id }));
  else out(after === undefined ? `${id}: deleted` : `${id}: ${after.status}`);
  return ExitCode.ok;
}

export async function listCommand(
  flags: ServerFlags & { limit?: string; cursor?: string; json?: boolean },
): Promise<number> {
  let limit: number | undefined;
  if (flags.limit !== undefined) {
    limit = Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new CliError(`--limit must be a positive integer`, ExitCode.usage);
  }
  const page = await clientFor(flags).list({
    ...(limit === undefined ? {} : { limit }),
    ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }),
  });
  if (flags.json === true) {
    out(JSON.stringify(page));
    return ExitCode.ok;
  }
  if (page.items.length === 0) {
    out('no simulations');
    return ExitCode.ok;
  }
  const idWidth = Math.max(2, ...page.items.map((s) => s.id.length));
  const nameWidth = Math.max(4, ...page.items.map((s) => (s.name ?? '').length));
  out(`${'ID'.padEnd(idWidth)}  ${'NAME'.padEnd(nameWidth)}  ${'STATUS'.padEnd(9)}  PROGRESS  CREATED`);
  for (const s of page.items) {
    out(
      `${s.id.padEnd(idWidth)}  ${(s.name ?? '').padEnd(nameWidth)}  ${s.status.padEnd(9)}  ` +
        `${percent(s.progress.fraction).padStart(8)}  ${s.createdAt}`,
    );
  }
  if (page.next !== undefined) out(`more: volley list --cursor ${page.next}`);
  return ExitCode.ok;
}
