#!/usr/bin/env node
/**
 * Volley vs Brian 2 benchmarks. `pnpm bench` (builds first) or:
 *
 *   node bench/run.mjs [CASE ...] [--all] [--quick] [--duration EXPR]
 *                      [--no-volley] [--no-brian] [--targets numpy,cython,cpp_standalone]
 *                      [--timeout SECONDS] [--cold-cache] [--warm-standalone] [--threads N]
 *                      [--out FILE] [--list]
 *
 * Default: the quick cases (--list shows them all) at their full duration. --quick
 * runs them for 0.1 s of simulated time instead (a smoke run). Each engine runs in its
 * own process, so peak memory belongs to one run; every Brian 2 run is capped by
 * --timeout (default 600 s) and its process group killed when it expires.
 * Timings are single-threaded on both sides (Brian 2's C++ compile uses every core), except
 * the extra row that --threads N adds: the CLI with `--threads N`, whose ratios to Brian 2
 * follow the one-thread ratios after a "|". Results go to bench/out/results-*.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CASES } from './specs.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = `${ROOT}bench/out/`;
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';
const CLI = `${ROOT}packages/client/dist/cli.js`;
const SIM = `${ROOT}packages/sim/dist/index.js`;

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    all: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    'no-volley': { type: 'boolean', default: false },
    'no-brian': { type: 'boolean', default: false },
    targets: { type: 'string', default: 'numpy,cython,cpp_standalone' },
    timeout: { type: 'string', default: '600' },
    'cold-cache': { type: 'boolean', default: false },
    'warm-standalone': { type: 'boolean', default: false },
    threads: { type: 'string' },
    out: { type: 'string' },
    list: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0];
  console.log(header.replace(/^#!.*\n\/\*\*\n/, '').replace(/^ \* ?/gm, ''));
  process.exit(0);
}
if (opt.list) {
  for (const [name, c] of Object.entries(CASES))
    console.log(`${name.padEnd(14)} ${c.quick ? 'quick' : '     '}  ${c.about}`);
  process.exit(0);
}

const unknown = positionals.filter((p) => !(p in CASES));
if (unknown.length > 0) {
  console.error(`unknown case(s): ${unknown.join(', ')}; --list shows them`);
  process.exit(2);
}
const names =
  positionals.length > 0 ? positionals : Object.keys(CASES).filter((n) => opt.all || CASES[n].quick);
const duration = opt.duration ?? (opt.quick ? '0.1*second' : undefined);
const timeoutS = Number(opt.timeout);
const targets = opt.targets.split(',').filter(Boolean);

/** Runs a command in its own process group; resolves with stdout, stderr, wall time, exit code. */
function exec(cmd, args, { timeout = 0, env } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, detached: true, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer =
      timeout > 0
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid, 'SIGKILL');
            } catch {
              /* already gone */
            }
          }, timeout * 1000)
        : undefined;
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wall: (performance.now() - t0) / 1000, timedOut });
    });
  });
}

const lastJsonLine = (text) => {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  return line === undefined ? undefined : JSON.parse(line);
};

const haveTime = existsSync(TIME);

async function volleyInProcess(specFile) {
  const r = await exec(process.execPath, ['--max-old-space-size=16384', 'bench/volley-case.mjs', specFile], {
    timeout: timeoutS * 3,
  });
  if (r.code !== 0)
    return {
      engine: 'volley',
      error: r.timedOut ? 'timeout' : r.stderr.trim().split('\n').slice(-3).join(' '),
    };
  const m = lastJsonLine(r.stdout);
  return {
    engine: 'volley',
    build_s: m.build_time_s,
    loop_s: m.wall_time_s,
    process_s: r.wall,
    events: m.synaptic_events,
    spikes: m.spikes,
    synapses: m.synapses,
    peak_rss: m.peak_rss,
    bytes_per_synapse: m.bytes_per_synapse,
  };
}

async function volleyCli(specFile, threads = 1) {
  if (!existsSync(CLI)) return undefined;
  const outFile = `${OUT}cli-results.json`;
  const cli = ['--max-old-space-size=16384', CLI, 'run', specFile, '--out', outFile];
  if (threads > 1) cli.push('--threads', String(threads));
  const engine = threads > 1 ? `volley CLI ${threads} threads` : 'volley CLI';
  const r = haveTime
    ? await exec(TIME, ['-f', 'maxrss_kb=%M', process.execPath, ...cli], { timeout: timeoutS * 3 })
    : await exec(process.execPath, cli, { timeout: timeoutS * 3 });
  if (r.code !== 0)
    return {
      engine,
      error: r.timedOut ? 'timeout' : r.stderr.trim().split('\n').slice(-2).join(' '),
    };
  const rss = /maxrss_kb=(\d+)/.exec(r.stderr);
  let stats = {};
  try {
    stats = JSON.parse(readFileSync(outFile, 'utf8')).stats ?? {};
    rmSync(outFile);
  } catch {
    /* no results file */
  }
  return {
    engine,
    threads,
    build_s: stats.build_time_s,
    loop_s: stats.wall_time_s,
    process_s: r.wall,
    events: stats.synaptic_events,
    peak_rss: rss ? Number(rss[1]) * 1024 : undefined,
  };
}

async function brian(specFile, target) {
  const args = ['bench/brian2_bench.py', specFile, '--target', target];
  if (target === 'cython')
    args.push(
      '--cache',
      opt['cold-cache'] ? `${OUT}brian-cache/cold-${Date.now()}` : `${OUT}brian-cache/cython`,
    );
  // cpp_standalone builds in a fresh directory (its whole process includes the C++ compile, as a
  // user's first run does); --warm-standalone reuses one per case, so `make` has nothing to do.
  if (target === 'cpp_standalone' && opt['warm-standalone'])
    args.push('--workdir', `${OUT}brian-standalone/${specFile.split('/').pop().replace('.json', '')}`);
  const r = await exec(PYTHON, args, { timeout: timeoutS });
  const engine = `brian2 ${target}`;
  if (r.code !== 0) {
    return {
      engine,
      error: r.timedOut ? `timeout (${timeoutS} s)` : r.stderr.trim().split('\n').slice(-2).join(' '),
    };
  }
  const m = lastJsonLine(r.stdout);
  return {
    engine,
    build_s: m.build_s,
    codegen_s: m.codegen_s,
    loop_s: m.loop_s,
    binary_s: m.binary_s,
    process_s: r.wall,
    events: m.events,
    spikes: m.spikes,
    synapses: m.synapses,
    peak_rss: m.peak_rss,
    bytes_per_synapse: m.bytes_per_synapse,
  };
}

const fmt = (x, digits = 2) =>
  x === undefined || x === null || Number.isNaN(x)
    ? '-'
    : Math.abs(x) >= 1e5
      ? x.toExponential(2)
      : x.toFixed(digits);

function table(caseName, rows) {
  const volley = rows.find((r) => r.engine === 'volley' && !r.error);
  const threaded = rows.find((r) => r.threads > 1 && !r.error);
  // "one thread | N threads" when --threads added a row.
  const ratio = (key, r) =>
    volley && r.engine.startsWith('brian') && r[key]
      ? fmt(volley[key] / r[key]) + (threaded ? ` | ${fmt(threaded[key] / r[key])}` : '')
      : '-';
  const cols = [
    ['engine', (r) => r.engine],
    ['build s', (r) => fmt(r.build_s)],
    ['codegen s', (r) => fmt(r.codegen_s)],
    ['loop s', (r) => fmt(r.loop_s, 3)],
    ['process s', (r) => fmt(r.process_s)],
    ['events/s', (r) => (r.events && r.loop_s ? (r.events / r.loop_s).toExponential(2) : '-')],
    ['peak MB', (r) => fmt(r.peak_rss && r.peak_rss / 2 ** 20, 0)],
    ['B/synapse', (r) => fmt(r.bytes_per_synapse, 0)],
    ['V/x loop', (r) => ratio('loop_s', r)],
    ['V/x process', (r) => ratio('process_s', r)],
  ];
  const cells = rows.map((r) => (r.error ? [r.engine, `error: ${r.error}`] : cols.map(([, f]) => f(r))));
  const widths = cols.map(([h], k) =>
    Math.max(h.length, ...cells.filter((c) => c.length > 2).map((c) => String(c[k]).length)),
  );
  const line = (c) => c.map((x, k) => String(x).padEnd(widths[k] ?? 0)).join('  ');
  const syn = rows.find((r) => r.synapses)?.synapses;
  const spikes = rows.find((r) => r.spikes)?.spikes;
  console.log(`\n${caseName} — ${CASES[caseName].about}${duration ? ` [duration ${duration}]` : ''}`);
  console.log(`  synapses ${syn ?? '-'}, spikes ${spikes ?? '-'}`);
  console.log(`  ${line(cols.map(([h]) => h))}`);
  for (const c of cells) console.log(`  ${c.length === 2 ? c.join('  ') : line(c)}`);
}

mkdirSync(`${OUT}specs`, { recursive: true });
const brianOk = !opt['no-brian'] && (await exec(PYTHON, ['-c', 'import brian2'])).code === 0;
if (!opt['no-brian'] && !brianOk)
  console.log(`Brian 2 not available (${PYTHON} -c 'import brian2' failed): Volley only.`);
if (!opt['no-volley'] && !existsSync(SIM)) {
  console.error(`${SIM} is missing: run \`pnpm build\` first (pnpm bench does).`);
  process.exit(2);
}

const all = {};
for (const name of names) {
  const spec = CASES[name].make(duration ? { duration } : {});
  const specFile = `${OUT}specs/${name}.json`;
  writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const rows = [];
  if (!opt['no-volley']) {
    rows.push(await volleyInProcess(specFile));
    const cli = await volleyCli(specFile);
    if (cli) rows.push(cli);
    const threads = Number(opt.threads ?? 1);
    if (threads > 1) {
      const split = await volleyCli(specFile, threads);
      if (split) rows.push(split);
    }
  }
  if (brianOk) for (const t of targets) rows.push(await brian(specFile, t));
  rows.forEach((r, k) => (r.engine ??= k === 0 ? 'volley' : 'unknown'));
  table(name, rows);
  all[name] = { about: CASES[name].about, duration: duration ?? spec.duration, rows };
}

const outFile = opt.out ?? `${OUT}results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(
  outFile,
  JSON.stringify({ date: new Date().toISOString(), node: process.version, cases: all }, null, 2),
);
console.log(`\nwritten ${outFile}`);
