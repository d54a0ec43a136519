#!/usr/bin/env node
// Prints the table of every environment variable of the API and the worker, with default and
// meaning, from their built config modules (run `pnpm build` first):
//
//   node scripts/env-table.mjs            # Markdown table (README.md carries it)
//   node scripts/env-table.mjs --json     # [{ name, services, default, values, meaning }]
//   node scripts/env-table.mjs --check    # exit 1 if a variable has no meaning here, a meaning
//                                         # names no variable, a default does not hold, or the
//                                         # table in README.md differs
//   node scripts/env-table.mjs --write    # (re)write that table, formatted with prettier
//
// Names and defaults come from the modules themselves: the variables are the keys of the zod
// object each `dist/config.js` validates the environment with, and each default is read from its
// `.default(…)` / `fallback` argument, then confirmed by running the module's `loadConfig`: setting
// a variable to its default must give the same configuration as leaving it unset. Only the
// meanings are written here; `--check` fails when they fall out of step.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ts = createRequire(import.meta.url)('typescript');

const DOC = 'README.md';
const START = '<!-- env-table:start -->';
const END = '<!-- env-table:end -->';

const MODULES = [
  { service: 'api', path: 'services/api/dist/config.js' },
  { service: 'worker', path: 'services/worker/dist/config.js' },
];

/** Worker variables that the API process reads for its own Redis backend even with VOLLEY_ROLE=api. */
const ALSO_API = new Set([
  'REDIS_PREFIX',
  'RESULT_TTL_S',
  'STREAM_MAX_ENTRIES',
  'JOB_RETRIES',
  'KEEP_COMPLETED',
  'KEEP_FAILED',
]);

const MEANINGS = {
  PORT: 'TCP port the API listens on.',
  HOST: 'Address the API binds; `0.0.0.0` is every interface.',
  REDIS_URL:
    '`redis://[:password@]host:port[/db]` or `rediss://` (TLS). Unset: the embedded in-process queue, event log and store (one process, nothing survives a restart). Required by the standalone worker and by `VOLLEY_ROLE=api`.',
  VOLLEY_ROLE:
    '`all`: the API also runs simulations in-process (then it reads the worker variables too). `api`: HTTP only; needs `REDIS_URL` and separate workers.',
  API_KEYS:
    'Comma-separated `id:secret` (or bare `secret`) entries; every `/v1` request then needs `Authorization: Bearer <secret>`, and each key sees only its own simulations. Empty: open mode, every caller is `anonymous`.',
  RATE_LIMIT_MAX:
    'Requests per window allowed to one API key (per client IP in open mode); more get 429 `rate_limited`. Shared across API replicas through Redis.',
  RATE_LIMIT_WINDOW: 'The rate-limit window: `30s`, `1m`, `2h`, or milliseconds.',
  MAX_ACTIVE_JOBS_PER_KEY:
    'Queued plus running simulations one key may have; more get 429 `too_many_active_jobs`.',
  MAX_NEURONS: 'Largest network accepted: neurons, all groups together (422 `limit_exceeded` above).',
  MAX_SYNAPSES: 'Largest network accepted: synapses, all projections together.',
  MAX_STEPS: 'Longest run accepted: time steps (duration / dt).',
  MAX_RECORDED_SAMPLES: 'Samples the monitors of one run may store (spike monitors estimated at 100 Hz).',
  MAX_MEMORY_MB: 'Estimated memory of one run, MiB.',
  BODY_LIMIT_BYTES: 'Largest request body (a spec), bytes; 413 above.',
  LOG_LEVEL: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`; JSON logs on stdout.',
  TRUST_PROXY:
    '`true`/`1`: trust `X-Forwarded-*` from a reverse proxy (client IPs for open-mode rate limiting).',
  REDIS_PREFIX:
    "Prefix of every Redis key Volley writes, BullMQ's included. API and workers must agree; different prefixes let deployments share one Redis.",
  WORKER_CONCURRENCY: 'Simulations one worker process runs at a time (threads of its pool).',
  JOB_WALL_LIMIT_S: 'Wall-clock limit of one run, seconds; past it the job fails with `time_limit`.',
  RESULT_TTL_S:
    "How long a finished job's record, event log and results are kept, seconds (default 7 days); then they expire together.",
  STREAM_MAX_ENTRIES:
    "Entries one job's live event log may hold; a run that would exceed it fails with `stream_limit`.",
  JOB_RETRIES:
    '`0` or `1`: times a job is retried after its worker died or shut down mid-run (otherwise it fails with `worker_shutdown`).',
  KEEP_COMPLETED:
    "Completed BullMQ jobs kept in Redis for inspection (Volley's own records follow `RESULT_TTL_S`).",
  KEEP_FAILED: 'Failed BullMQ jobs kept in Redis for inspection.',
  STALLED_INTERVAL_MS:
    "BullMQ's stalled-job check period, ms; a killed worker's job is noticed after about this plus `LOCK_DURATION_MS`.",
  LOCK_DURATION_MS: "BullMQ's job lock duration, ms.",
  SHUTDOWN_GRACE_MS:
    'On SIGTERM/SIGINT, how long running jobs may take to finish before they are stopped, ms.',
};

/** Defaults that depend on the machine: how the table shows them, and their value here. */
const MACHINE_DEFAULTS = {
  'availableParallelism()': { label: 'number of CPUs', value: () => availableParallelism() },
};

// ---- reading a built config module ----

function evaluate(node, source) {
  if (ts.isParenthesizedExpression(node)) return evaluate(node.expression, source);
  if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) return evaluate(node.body, source);
  if (ts.isNumericLiteral(node)) return { value: Number(node.text) };
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return { value: node.text };
  if (ts.isArrayLiteralExpression(node) && node.elements.length === 0) return { value: [] };
  if (ts.isBinaryExpression(node)) {
    const a = evaluate(node.left, source);
    const b = evaluate(node.right, source);
    if (typeof a.value === 'number' && typeof b.value === 'number') {
      const op = node.operatorToken.kind;
      if (op === ts.SyntaxKind.AsteriskToken) return { value: a.value * b.value };
      if (op === ts.SyntaxKind.PlusToken) return { value: a.value + b.value };
      if (op === ts.SyntaxKind.MinusToken) return { value: a.value - b.value };
    }
  }
  const text = node.getText(source);
  if (Object.hasOwn(MACHINE_DEFAULTS, text)) return { machine: text };
  throw new Error(`cannot read the default \`${text}\``);
}

/** `.default(x)` anywhere in the initializer, else the `fallback` argument of a local helper. */
function findDefault(init, helpers, source) {
  let found;
  const visit = (node) => {
    if (found !== undefined) return;
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'default' && node.arguments[0]) {
        found = node.arguments[0];
        return;
      }
      if (ts.isIdentifier(callee) && helpers.has(callee.text)) {
        const index = helpers.get(callee.text);
        if (node.arguments[index]) {
          found = node.arguments[index];
          return;
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(init);
  return found === undefined ? undefined : evaluate(found, source);
}

function findEnum(init) {
  let values;
  const visit = (node) => {
    if (values !== undefined) return;
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'enum' &&
      node.arguments[0] &&
      ts.isArrayLiteralExpression(node.arguments[0])
    ) {
      values = node.arguments[0].elements.filter(ts.isStringLiteral).map((e) => e.text);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(init);
  return values;
}

async function readModule({ service, path }) {
  const file = `${root}/${path}`;
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`${path} not found: run \`pnpm build\` first`);
  });
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);

  // Local helpers such as `const int = (min, fallback) => …`: which argument is the default.
  const helpers = new Map();
  let schema;
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const decl of statement.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name) || decl.initializer === undefined) continue;
      const init = decl.initializer;
      if (ts.isArrowFunction(init)) {
        const index = init.parameters.findIndex((p) =>
          /^(fallback|defaultValue)$/.test(p.name.getText(source)),
        );
        if (index >= 0) helpers.set(decl.name.text, index);
      }
      if (
        /^envSchema$/i.test(decl.name.text) &&
        ts.isCallExpression(init) &&
        init.expression.getText(source) === 'z.object' &&
        init.arguments[0] &&
        ts.isObjectLiteralExpression(init.arguments[0])
      ) {
        schema = init.arguments[0];
      }
    }
  }
  if (schema === undefined) throw new Error(`${path}: no \`const envSchema = z.object({…})\` found`);

  const variables = [];
  for (const prop of schema.properties) {
    if (!ts.isPropertyAssignment(prop)) throw new Error(`${path}: unexpected ${prop.getText(source)}`);
    const name = prop.name.getText(source);
    variables.push({
      name,
      service,
      default: findDefault(prop.initializer, helpers, source),
      values: findEnum(prop.initializer),
    });
  }

  // Confirm against the module itself: a variable set to its default changes nothing.
  const mod = await import(pathToFileURL(file).href);
  const base = mod.loadConfig({});
  if (Array.isArray(mod.CONFIG_VARIABLES)) {
    const listed = [...mod.CONFIG_VARIABLES].sort().join(',');
    const read = variables
      .map((v) => v.name)
      .sort()
      .join(',');
    if (listed !== read)
      throw new Error(`${path}: CONFIG_VARIABLES (${listed}) differ from the schema (${read})`);
  }
  for (const v of variables) {
    if (v.default === undefined) continue;
    const value = v.default.machine ? MACHINE_DEFAULTS[v.default.machine].value() : v.default.value;
    const asEnv = Array.isArray(value) ? value.join(',') : String(value);
    if (!isDeepStrictEqual(mod.loadConfig({ [v.name]: asEnv }), base)) {
      throw new Error(`${path}: ${v.name}=${asEnv} does not give the default configuration`);
    }
  }
  return variables;
}

// ---- the table ----

function merge(lists) {
  const byName = new Map();
  for (const v of lists.flat()) {
    const seen = byName.get(v.name);
    if (seen === undefined) {
      byName.set(v.name, { ...v, services: [v.service] });
      continue;
    }
    if (!isDeepStrictEqual(seen.default, v.default)) {
      throw new Error(`${v.name}: default differs between ${seen.services.join(', ')} and ${v.service}`);
    }
    seen.services.push(v.service);
  }
  for (const v of byName.values()) {
    if (ALSO_API.has(v.name) && !v.services.includes('api')) v.services.unshift('api');
    delete v.service;
  }
  return [...byName.values()];
}

function showDefault(d) {
  if (d === undefined) return '(unset)';
  if (d.machine) return MACHINE_DEFAULTS[d.machine].label;
  if (Array.isArray(d.value)) return '(empty)';
  if (typeof d.value === 'number') return `\`${d.value}\``;
  return `\`${d.value}\``;
}

function toJson(v) {
  const d = v.default;
  return {
    name: v.name,
    services: v.services,
    default: d === undefined ? null : d.machine ? MACHINE_DEFAULTS[d.machine].label : d.value,
    ...(v.values ? { values: v.values } : {}),
    meaning: MEANINGS[v.name] ?? null,
  };
}

function markdown(variables) {
  const escape = (s) => s.replaceAll('|', '\\|');
  const lines = ['| Variable | Read by | Default | Meaning |', '| --- | --- | --- | --- |'];
  for (const v of variables) {
    lines.push(
      `| \`${v.name}\` | ${v.services.join(', ')} | ${showDefault(v.default)} | ${escape(MEANINGS[v.name] ?? '(undocumented)')} |`,
    );
  }
  return lines.join('\n');
}

/** The cells of each row of a Markdown table, without the separator row; whitespace-insensitive. */
function rows(table) {
  return table
    .split('\n')
    .filter((line) => line.trim().startsWith('|'))
    .map((line) =>
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim().replace(/\s+/g, ' ')),
    )
    .filter((cells) => !cells.every((cell) => /^:?-+:?$/.test(cell)));
}

async function docParts() {
  const text = await readFile(`${root}/${DOC}`, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${DOC}: no ${START} … ${END} section`);
  return {
    text,
    before: text.slice(0, start + START.length),
    table: text.slice(start + START.length, end),
    after: text.slice(end),
  };
}

async function writeDoc(table) {
  const { before, after } = await docParts();
  let text = `${before}\n${table}\n${after}`;
  const prettier = await import('prettier').catch(() => undefined);
  if (prettier !== undefined) {
    const file = `${root}/${DOC}`;
    text = await prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
  }
  await writeFile(`${root}/${DOC}`, text);
}

const args = new Set(process.argv.slice(2));
try {
  const variables = merge(await Promise.all(MODULES.map(readModule)));
  if (args.has('--check')) {
    const problems = [
      ...variables
        .filter((v) => !MEANINGS[v.name])
        .map((v) => `${v.name}: no meaning in scripts/env-table.mjs`),
      ...Object.keys(MEANINGS)
        .filter((name) => !variables.some((v) => v.name === name))
        .map((name) => `${name}: described in scripts/env-table.mjs but read by no config module`),
    ];
    const { table } = await docParts();
    if (!isDeepStrictEqual(rows(table), rows(markdown(variables)))) {
      problems.push(
        `${DOC}: the table differs from the config modules; run \`node scripts/env-table.mjs --write\``,
      );
    }
    if (problems.length > 0) {
      process.stderr.write(`env-table: ${problems.join('\n  ')}\n`);
      process.exit(1);
    }
    process.stdout.write(
      `env-table: ${variables.length} variables, all described, defaults confirmed, ${DOC} up to date\n`,
    );
  } else if (args.has('--write')) {
    await writeDoc(markdown(variables));
    process.stdout.write(`env-table: wrote ${variables.length} variables into ${DOC}\n`);
  } else if (args.has('--json')) {
    process.stdout.write(`${JSON.stringify(variables.map(toJson), null, 2)}\n`);
  } else {
    process.stdout.write(`${markdown(variables)}\n`);
  }
} catch (err) {
  process.stderr.write(`env-table: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
