#!/usr/bin/env node
/**
 * Load benchmark of the service (bench/LOAD.md): one API process (VOLLEY_ROLE=api) and one worker
 * process on Redis, under a random REDIS_PREFIX that is deleted at the end.
 *
 * 1. Load: JOBS small simulations from CLIENTS concurrent clients. Each client submits a job,
 *    watches its stream to the final message, then submits the next (a closed loop). Afterwards
 *    every job's stored results are fetched and compared with what its stream delivered.
 * 2. Single stream: one network producing >= 1 M spikes per simulated second, streamed to one
 *    client; the spikes delivered per second, checked against the stored results. The finished
 *    log is then replayed once from seq 1 (delivery alone, no simulation behind it).
 *
 *   pnpm bench:load                                  # builds, then both parts
 *   node bench/load.mjs --jobs 50 --clients 10       # smaller load
 *   node bench/load.mjs --no-single                  # load only
 *   node bench/load.mjs --no-load --single-duration 5
 *
 * Needs `pnpm build` (the script runs the built services and packages/client/dist). Exit code 1 if
 * any request, stream or job failed, or any spike was lost or differs from the stored results.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { VolleyClient } from '../packages/client/dist/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    clients: { type: 'string', default: '20' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'worker-concurrency': { type: 'string' },
    'single-neurons': { type: 'string', default: '20000' },
    'single-rate': { type: 'string', default: '50' },
    'single-duration': { type: 'string', default: '3' },
    'no-load': { type: 'boolean', default: false },
    'no-single': { type: 'boolean', default: false },
    'no-replay': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith(' *'))
      .map((l) => l.slice(3))
      .join('\n') + '\n',
  );
  process.exit(0);
}
const positive = (name) => {
  const v = Number(opts[name]);
  if (!(v > 0)) {
    process.stderr.write(`--${name}: expected a positive number, got ${opts[name]}\n`);
    process.exit(2);
  }
  return v;
};
const JOBS = Math.round(positive('jobs'));
const CLIENTS = Math.min(JOBS, Math.round(positive('clients')));
const SINGLE_N = Math.round(positive('single-neurons'));
const SINGLE_RATE = positive('single-rate');
const SINGLE_DURATION = positive('single-duration');
const REDIS_URL = opts.redis;
const PREFIX = `volley-load-${randomBytes(5).toString('hex')}`;

// ---------------------------------------------------------------------------------------------
// Processes

/** The caller's shell must not configure the processes under test. */
const SCRUB =
  /^(REDIS_|API_KEYS$|VOLLEY_|PORT$|HOST$|RATE_LIMIT_|MAX_|WORKER_|JOB_|LOG_LEVEL$|STALLED_|LOCK_|SHUTDOWN_|RESULT_TTL|STREAM_MAX|KEEP_|BODY_LIMIT|TRUST_PROXY)/;

const children = [];

function startProcess(name, script, env) {
  const base = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUB.test(k)) base[k] = v;
  const child = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set();
  const onData = (d) => {
    out += d.toString();
    // Keep the tail only: request logs of a long run add up.
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
    for (const l of listeners) l();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const l of listeners) l();
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const proc = {
    name,
    child,
    output: () => out,
    running,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${name}: no ${pattern} in ${timeoutMs} ms:\n${out}`))),
          timeoutMs,
        );
        const check = () => {
          const m = pattern.exec(out);
          if (m !== null) return finish(() => resolve(m));
          if (!running()) finish(() => reject(new Error(`${name} exited before ${pattern}:\n${out}`)));
        };
        const finish = (settle) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 20_000) {
      if (!running()) return exited;
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.kill('SIGTERM');
      const result = await exited;
      clearTimeout(force);
      return result;
    },
  };
  children.push(proc);
  return proc;
}

// ---------------------------------------------------------------------------------------------
// Redis (ioredis from the worker's dependencies: the repository root has no client of its own)

function redisClient() {
  const require = createRequire(new URL('../services/worker/package.json', import.meta.url));
  const { Redis } = require('ioredis');
  const r = new Redis(REDIS_URL, {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  r.on('error', () => {}); // failures surface as rejected commands
  return r;
}

/** Deletes every key under `PREFIX:` only — the Redis is shared (never FLUSHDB). */
async function deletePrefix() {
  const r = redisClient();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await r.unlink(...keys);
    } while (cursor !== '0');
    let left = 0;
    cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${PREFIX}:*`, 'COUNT', 1000);
      cursor = next;
      left += keys.length;
    } while (cursor !== '0');
    return { deleted, left };
  } finally {
    r.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Specs

const seedHundred = JSON.parse(
  readFileSync(new URL('../examples/seed-hundred.json', import.meta.url), 'utf8'),
);

/** Job k of the load: seed-hundred (100 LIF neurons, 50 ms) and a 1000-neuron 50 Hz Poisson group for 0.2 s, alternately, each with its own seed. */
function smallSpec(k) {
  if (k % 2 === 0) return { ...seedHundred, name: `load-hundred-${k}`, seed: 1000 + k };
  return {
    version: 1,
    name: `load-poisson-${k}`,
    dt: '0.1*ms',
    duration: '200*ms',
    seed: 1000 + k,
    groups: { P: { type: 'poisson', N: 1000, rates: '50*Hz' } },
    monitors: { spikemon: { type: 'spikes', source: 'P' } },
  };
}

function singleSpec() {
  return {
    version: 1,
    name: `stream-poisson-${SINGLE_N}x${SINGLE_RATE}Hz`,
    dt: '0.1*ms',
    duration: `${SINGLE_DURATION}*second`,
    seed: 42,
    groups: { P: { type: 'poisson', N: SINGLE_N, rates: `${SINGLE_RATE}*Hz` } },
    monitors: { spikemon: { type: 'spikes', source: 'P' } },
  };
}

// ---------------------------------------------------------------------------------------------
// Measurement helpers

/** CPU seconds (user + system, all threads) of a process, from /proc (Linux); NaN elsewhere. */
function procCpuS(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** Redis's own CPU seconds (INFO cpu): the server is shared, so others' load is included. */
async function redisCpuS() {
  const r = redisClient();
  try {
    const info = await r.info('cpu');
    const get = (k) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1]);
    return get('used_cpu_user') + get('used_cpu_sys');
  } catch {
    return NaN;
  } finally {
    r.disconnect();
  }
}

/** CPU seconds of API, worker, this script and Redis since `before` (null: now). */
async function cpuSnapshot(procs, before = null) {
  const self = process.cpuUsage();
  const now = {
    api: procCpuS(procs.api.child.pid),
    worker: procCpuS(procs.worker.child.pid),
    clients: (self.user + self.system) / 1e6,
    redis: await redisCpuS(),
  };
  if (before === null) return now;
  return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - before[k]]));
}

const cpuRow = (cpu, wallS) => [
  'CPU seconds: API / worker / clients (this script) / Redis, and sum ÷ wall',
  `${fmt(cpu.api, 1)} / ${fmt(cpu.worker, 1)} / ${fmt(cpu.clients, 1)} / ${fmt(cpu.redis, 1)}; ${fmt((cpu.api + cpu.worker + cpu.clients + cpu.redis) / wallS, 2)} cores`,
];

const ms = (a, b) => b - a;

/** Nearest-rank percentile. */
function pct(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const fmt = (v, digits = 0) =>
  Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

function table(rows) {
  const out = ['| measure | value |', '| --- | ---: |'];
  for (const [k, v] of rows) out.push(`| ${k} | ${v} |`);
  return out.join('\n');
}

/** Watches one job's stream; returns what was delivered, per spike monitor, in order. */
async function watch(client, id, { keepSpikes = true, onFirstSpikes } = {}) {
  const received = new Map(); // monitor -> {i: number[], t: number[], n}
  let messages = 0;
  let spikes = 0;
  let reconnects = 0;
  let expected = 1;
  let gaps = 0;
  let final;
  let firstSpikesAt;
  let lastSpikesAt;
  for await (const msg of client.stream(id, { onReconnect: () => (reconnects += 1) })) {
    messages += 1;
    if (msg.seq !== expected) gaps += 1;
    expected = msg.seq + 1;
    if (msg.type === 'spikes') {
      if (firstSpikesAt === undefined) {
        firstSpikesAt = performance.now();
        onFirstSpikes?.(firstSpikesAt);
      }
      lastSpikesAt = performance.now();
      let r = received.get(msg.monitor);
      if (r === undefined) received.set(msg.monitor, (r = { i: [], t: [], n: 0 }));
      r.n += msg.i.length;
      spikes += msg.i.length;
      if (keepSpikes) {
        for (let k = 0; k < msg.i.length; k++) {
          r.i.push(msg.i[k]);
          r.t.push(msg.t[k]);
        }
      }
    }
    if (msg.type === 'done' || msg.type === 'error') final = msg;
  }
  return {
    received,
    messages,
    spikes,
    reconnects,
    gaps,
    final,
    firstSpikesAt,
    lastSpikesAt,
    endAt: performance.now(),
    endWall: Date.now(),
  };
}

/** Compares a stream's spikes with the stored results: |received − stored| and whether the spikes are identical. */
function compare(watched, results) {
  let stored = 0;
  let lost = 0;
  let identical = true;
  const names = new Set([...watched.received.keys()]);
  for (const [name, m] of Object.entries(results.monitors))
    if (m.type === 'spikes' && m.i !== undefined) names.add(name);
  for (const name of names) {
    const m = results.monitors[name];
    const r = watched.received.get(name) ?? { i: [], t: [], n: 0 };
    const s = m?.type === 'spikes' ? m.i.length : 0;
    stored += s;
    lost += Math.abs(r.n - s);
    if (r.n !== s) identical = false;
    else if (r.i.length === s) {
      for (let k = 0; k < s; k++) {
        if (r.i[k] !== m.i[k] || r.t[k] !== m.t[k]) {
          identical = false;
          break;
        }
      }
    }
  }
  return { stored, lost, identical };
}

const describeError = (err) => (err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? err));

// ---------------------------------------------------------------------------------------------
// Scenarios

async function loadScenario(url, keys, procs) {
  const jobs = Array.from({ length: JOBS }, (_, k) => ({ k, spec: smallSpec(k) }));
  const errors = [];
  let nextJob = 0;
  const cpu0 = await cpuSnapshot(procs);
  const t0 = performance.now();
  let tEnd = t0;

  async function clientLoop(c) {
    // maxRetries 0: a 429 is an error here, not a silent wait.
    const client = new VolleyClient({ server: url, key: keys[c], maxRetries: 0 });
    for (;;) {
      const k = nextJob++;
      if (k >= JOBS) return;
      const job = jobs[k];
      job.client = c;
      const s0 = performance.now();
      try {
        const sim = await client.submit(job.spec);
        job.submitMs = ms(s0, performance.now());
        job.id = sim.id;
      } catch (err) {
        job.submitMs = ms(s0, performance.now());
        errors.push(`job ${k}: submit ${describeError(err)}`);
        continue;
      }
      try {
        job.watched = await watch(client, job.id);
        job.e2eMs = ms(s0, job.watched.endAt);
        tEnd = Math.max(tEnd, job.watched.endAt);
        const f = job.watched.final;
        if (f === undefined) errors.push(`job ${k} (${job.id}): stream ended without done/error`);
        else if (f.type === 'error')
          errors.push(`job ${k} (${job.id}): job error ${f.error?.code}: ${f.error?.message}`);
        if (job.watched.gaps > 0) errors.push(`job ${k} (${job.id}): ${job.watched.gaps} seq gaps`);
      } catch (err) {
        errors.push(`job ${k} (${job.id}): stream ${describeError(err)}`);
      }
    }
  }

  process.stderr.write(`load: ${JOBS} jobs from ${CLIENTS} clients …\n`);
  const progress = setInterval(() => {
    const done = jobs.filter((j) => j.watched !== undefined).length;
    process.stderr.write(`  ${done}/${JOBS} streams finished, ${errors.length} errors\n`);
  }, 5000);
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => clientLoop(c)));
  clearInterval(progress);
  const wallMs = ms(t0, tEnd);
  const cpu = await cpuSnapshot(procs, cpu0);

  // Verification, outside the timed window: the records (timestamps, status) and stored results.
  process.stderr.write('load: fetching records and results …\n');
  let lost = 0;
  let different = 0;
  let storedTotal = 0;
  const queueWait = [];
  const runTime = [];
  const doneLag = [];
  const pool = [...jobs.filter((j) => j.id !== undefined)];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let job = pool.shift(); job !== undefined; job = pool.shift()) {
        const client = new VolleyClient({ server: url, key: keys[job.client], maxRetries: 0 });
        try {
          const rec = await client.get(job.id);
          job.status = rec.status;
          if (rec.status !== 'completed') errors.push(`job ${job.k} (${job.id}): status ${rec.status}`);
          if (rec.startedAt !== undefined)
            queueWait.push(Date.parse(rec.startedAt) - Date.parse(rec.createdAt));
          if (rec.startedAt !== undefined && rec.finishedAt !== undefined)
            runTime.push(Date.parse(rec.finishedAt) - Date.parse(rec.startedAt));
          if (rec.finishedAt !== undefined && job.watched !== undefined)
            doneLag.push(job.watched.endWall - Date.parse(rec.finishedAt));
          const results = await client.results(job.id);
          const watched = job.watched ?? { received: new Map() };
          const c = compare(watched, results);
          storedTotal += c.stored;
          lost += c.lost;
          if (!c.identical) {
            different += 1;
            errors.push(
              `job ${job.k} (${job.id}): streamed spikes differ from the results (|Δ| = ${c.lost})`,
            );
          }
        } catch (err) {
          errors.push(`job ${job.k} (${job.id}): verification ${describeError(err)}`);
        }
      }
    }),
  );

  const submitted = jobs.filter((j) => j.id !== undefined);
  const watched = jobs.filter((j) => j.watched !== undefined);
  const delivered = watched.reduce((a, j) => a + j.watched.spikes, 0);
  const messages = watched.reduce((a, j) => a + j.watched.messages, 0);
  const reconnects = watched.reduce((a, j) => a + j.watched.reconnects, 0);
  const submitLat = jobs.map((j) => j.submitMs).filter((v) => v !== undefined);
  const e2e = watched.map((j) => j.e2eMs);
  return {
    jobs: JOBS,
    clients: CLIENTS,
    submitted: submitted.length,
    completed: jobs.filter((j) => j.status === 'completed').length,
    submitMs: { p50: pct(submitLat, 50), p99: pct(submitLat, 99), max: pct(submitLat, 100) },
    queueWaitMs: { p50: pct(queueWait, 50), p99: pct(queueWait, 99), max: pct(queueWait, 100) },
    runMs: { p50: pct(runTime, 50), p99: pct(runTime, 99) },
    jobE2eMs: { p50: pct(e2e, 50), p99: pct(e2e, 99) },
    doneLagMs: { p50: pct(doneLag, 50), p99: pct(doneLag, 99), max: pct(doneLag, 100) },
    wallMs,
    messages,
    spikesDelivered: delivered,
    spikesStored: storedTotal,
    spikesPerS: delivered / (wallMs / 1000),
    cpu,
    reconnects,
    errors: errors.length,
    errorList: errors,
    lost,
    different,
  };
}

async function singleScenario(url, key, procs) {
  const spec = singleSpec();
  const client = new VolleyClient({ server: url, key, maxRetries: 0 });
  const errors = [];
  const expectedSpikes = SINGLE_N * SINGLE_RATE * SINGLE_DURATION;
  process.stderr.write(
    `single stream: ${SINGLE_N} Poisson neurons at ${SINGLE_RATE} Hz for ${SINGLE_DURATION} s (≈ ${fmt(expectedSpikes / 1e6, 1)} M spikes) …\n`,
  );
  const cpu0 = await cpuSnapshot(procs);
  const t0 = performance.now();
  let sim;
  try {
    sim = await client.submit(spec);
  } catch (err) {
    return { errors: 1, errorList: [`submit ${describeError(err)}`] };
  }
  const tSubmitted = performance.now();
  let watched;
  try {
    watched = await watch(client, sim.id);
  } catch (err) {
    errors.push(`stream ${describeError(err)}`);
  }
  const cpu = await cpuSnapshot(procs, cpu0);
  let record;
  let results;
  let cmp = { stored: NaN, lost: NaN, identical: false };
  try {
    record = await client.get(sim.id);
    if (record.status !== 'completed') errors.push(`status ${record.status} ${record.error?.code ?? ''}`);
    results = await client.results(sim.id);
    if (watched !== undefined) {
      cmp = compare(watched, results);
      if (!cmp.identical) errors.push(`streamed spikes differ from the results (|Δ| = ${cmp.lost})`);
    }
  } catch (err) {
    errors.push(`verification ${describeError(err)}`);
  }
  if (watched?.final?.type === 'error')
    errors.push(`job error ${watched.final.error?.code}: ${watched.final.error?.message}`);
  if (watched !== undefined && watched.gaps > 0) errors.push(`${watched.gaps} seq gaps`);

  // Replay of the finished log: delivery alone, with no simulation feeding it.
  let replay;
  if (!opts['no-replay'] && watched !== undefined) {
    const r0 = performance.now();
    try {
      const again = await watch(client, sim.id, { keepSpikes: false });
      const s = (again.endAt - r0) / 1000;
      replay = { spikes: again.spikes, s, spikesPerS: again.spikes / s, messages: again.messages };
      if (again.spikes !== cmp.stored)
        errors.push(`replay delivered ${again.spikes} spikes, stored ${cmp.stored}`);
    } catch (err) {
      errors.push(`replay ${describeError(err)}`);
    }
  }

  const stats = record?.stats;
  const streamS = watched ? (watched.endAt - t0) / 1000 : NaN;
  const fromFirstS = watched?.firstSpikesAt ? (watched.lastSpikesAt - watched.firstSpikesAt) / 1000 : NaN;
  return {
    neurons: SINGLE_N,
    rateHz: SINGLE_RATE,
    durationS: SINGLE_DURATION,
    spikesDelivered: watched?.spikes ?? 0,
    spikesStored: cmp.stored,
    identical: cmp.identical,
    lost: cmp.lost,
    messages: watched?.messages ?? 0,
    reconnects: watched?.reconnects ?? 0,
    submitMs: tSubmitted - t0,
    queueWaitMs: record?.startedAt ? Date.parse(record.startedAt) - Date.parse(record.createdAt) : NaN,
    runS:
      record?.startedAt && record?.finishedAt
        ? (Date.parse(record.finishedAt) - Date.parse(record.startedAt)) / 1000
        : NaN,
    simWallS: stats?.wall_time_s ?? NaN,
    simSpikesPerS: stats ? stats.spikes / stats.wall_time_s : NaN,
    e2eS: streamS,
    spikesPerS: (watched?.spikes ?? 0) / streamS,
    fromFirstSpikesS: fromFirstS,
    lastSpikesToDoneS: watched?.lastSpikesAt ? (watched.endAt - watched.lastSpikesAt) / 1000 : NaN,
    spikesPerSFromFirst: (watched?.spikes ?? 0) / fromFirstS,
    replay,
    cpu,
    errors: errors.length,
    errorList: errors,
  };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const probe = redisClient();
  try {
    await probe.ping();
  } catch (err) {
    throw new Error(`Redis at ${REDIS_URL} is not reachable (${err.message}); set REDIS_URL or --redis`);
  } finally {
    probe.disconnect();
  }
  const keys = Array.from(
    { length: Math.max(CLIENTS, 1) },
    (_, c) => `load${c}:${randomBytes(12).toString('hex')}`,
  );
  const bare = keys.map((k) => k.slice(k.indexOf(':') + 1));
  const common = { REDIS_URL, REDIS_PREFIX: PREFIX, LOG_LEVEL: opts['log-level'] };
  const workerEnv = {
    ...common,
    // A 1 M spikes/s stream writes 2 entries per 10 ms chunk: far below the default 200 000, but
    // let a long --single-duration through too.
    STREAM_MAX_ENTRIES: String(Math.max(200_000, Math.ceil(SINGLE_DURATION * 300) + 100)),
    ...(opts['worker-concurrency'] ? { WORKER_CONCURRENCY: opts['worker-concurrency'] } : {}),
  };
  const apiEnv = {
    ...common,
    VOLLEY_ROLE: 'api',
    PORT: '0',
    HOST: '127.0.0.1',
    API_KEYS: keys.join(','),
    // One key per client, and the limits raised anyway so the load is never throttled.
    RATE_LIMIT_MAX: '1000000',
    MAX_ACTIVE_JOBS_PER_KEY: '10000',
    // The compiler estimates spikes at 100 Hz (or more); raise the cap only for a big single stream.
    MAX_RECORDED_SAMPLES: String(
      Math.max(50_000_000, Math.ceil(SINGLE_N * Math.max(100, SINGLE_RATE) * SINGLE_DURATION * 1.5)),
    ),
  };
  process.stderr.write(`prefix ${PREFIX} on ${REDIS_URL}\n`);
  const worker = startProcess('worker', 'services/worker/dist/main.js', workerEnv);
  const api = startProcess('api', 'services/api/dist/main.js', apiEnv);
  const [, port] = await api.waitFor(/Server listening at http:\/\/127\.0\.0\.1:(\d+)/);
  await api.waitFor(/volley api ready/);
  const [readyLine] = await worker.waitFor(/.*volley worker ready.*/);
  const concurrency = /"concurrency":(\d+)/.exec(readyLine)?.[1] ?? '?';
  const url = `http://127.0.0.1:${port}`;

  const report = {
    date: new Date().toISOString(),
    machine: { cpus: availableParallelism(), model: cpus()[0]?.model, node: process.version },
    redis: REDIS_URL,
    prefix: PREFIX,
    workerConcurrency: Number(concurrency),
  };
  process.stdout.write(
    `\nVolley service load — ${report.date}\n${report.machine.cpus} CPUs (${report.machine.model}), Node ${process.version}, ` +
      `1 API (VOLLEY_ROLE=api) + 1 worker (WORKER_CONCURRENCY=${concurrency}), Redis ${REDIS_URL}\n\n`,
  );

  if (!opts['no-load']) {
    const L = await loadScenario(url, bare, { api, worker });
    report.load = L;
    process.stdout.write(
      `## Load: ${L.jobs} small simulations, ${L.clients} concurrent clients (closed loop: submit, watch the stream, next)\n\n` +
        table([
          ['jobs submitted / completed', `${L.submitted} / ${L.completed}`],
          [
            'submit latency p50 / p99 (max), ms',
            `${fmt(L.submitMs.p50, 1)} / ${fmt(L.submitMs.p99, 1)} (${fmt(L.submitMs.max, 1)})`,
          ],
          [
            'queue wait p50 / p99 (max), ms (startedAt − createdAt)',
            `${fmt(L.queueWaitMs.p50)} / ${fmt(L.queueWaitMs.p99)} (${fmt(L.queueWaitMs.max)})`,
          ],
          ['run time p50 / p99, ms (finishedAt − startedAt)', `${fmt(L.runMs.p50)} / ${fmt(L.runMs.p99)}`],
          [
            'job end-to-end p50 / p99, ms (submit → final message)',
            `${fmt(L.jobE2eMs.p50)} / ${fmt(L.jobE2eMs.p99)}`,
          ],
          [
            'final message lag p50 / p99 (max), ms (client receipt − finishedAt)',
            `${fmt(L.doneLagMs.p50)} / ${fmt(L.doneLagMs.p99)} (${fmt(L.doneLagMs.max)})`,
          ],
          ['scenario duration, s (first submit → last final message)', fmt(L.wallMs / 1000, 2)],
          ['stream messages delivered', fmt(L.messages)],
          ['spikes delivered / stored', `${fmt(L.spikesDelivered)} / ${fmt(L.spikesStored)}`],
          ['delivered spikes/s (all clients)', fmt(L.spikesPerS)],
          ['jobs/s', fmt(L.completed / (L.wallMs / 1000), 1)],
          cpuRow(L.cpu, L.wallMs / 1000),
          ['stream reconnections', fmt(L.reconnects)],
          ['errors', fmt(L.errors)],
          ['lost (Σ \\|received − stored\\|)', fmt(L.lost)],
        ]) +
        '\n\n',
    );
    for (const e of L.errorList.slice(0, 20)) process.stdout.write(`  error: ${e}\n`);
  }

  if (!opts['no-single']) {
    const S = await singleScenario(url, bare[0], { api, worker });
    report.single = S;
    if (S.spikesDelivered !== undefined) {
      process.stdout.write(
        `## Single stream: ${fmt(S.neurons)} Poisson neurons at ${S.rateHz} Hz (${fmt((S.neurons * S.rateHz) / 1e6, 2)} M spikes per simulated second), ${S.durationS} s, one client\n\n` +
          table([
            ['spikes delivered / stored', `${fmt(S.spikesDelivered)} / ${fmt(S.spikesStored)}`],
            ['identical to the stored results', S.identical ? 'yes' : 'NO'],
            ['stream messages', fmt(S.messages)],
            ['submit latency, ms', fmt(S.submitMs, 1)],
            ['queue wait, ms', fmt(S.queueWaitMs)],
            ['job run time, s (finishedAt − startedAt)', fmt(S.runS, 2)],
            ['simulation loop, s (stats.wall_time_s)', fmt(S.simWallS, 2)],
            ['end-to-end, s (submit → done received)', fmt(S.e2eS, 2)],
            ['**delivered spikes/s** (submit → done)', `**${fmt(S.spikesPerS)}**`],
            ['delivered spikes/s (first → last spikes message)', fmt(S.spikesPerSFromFirst)],
            ['last spikes message → done, s (results packed and stored)', fmt(S.lastSpikesToDoneS, 2)],
            ['simulated spikes/s (stats.spikes / wall_time_s)', fmt(S.simSpikesPerS)],
            ...(S.replay
              ? [
                  [
                    'replay of the finished log: s, spikes/s',
                    `${fmt(S.replay.s, 2)}, ${fmt(S.replay.spikesPerS)}`,
                  ],
                ]
              : []),
            cpuRow(S.cpu, S.e2eS),
            ['stream reconnections', fmt(S.reconnects)],
            ['errors', fmt(S.errors)],
            ['lost (\\|received − stored\\|)', fmt(S.lost)],
          ]) +
          '\n\n',
      );
    }
    for (const e of S.errorList) process.stdout.write(`  error: ${e}\n`);
  }

  // Unexpected complaints of the services (warn and above in pino's JSON: level >= 40).
  for (const p of [api, worker]) {
    const bad = p
      .output()
      .split('\n')
      .filter((l) => /"level":(4|5|6)\d/.test(l) && !/maxmemory|noeviction/.test(l));
    report[`${p.name}Warnings`] = bad.length;
    if (bad.length > 0) {
      process.stdout.write(`${p.name}: ${bad.length} warning/error log lines, e.g.\n`);
      for (const l of bad.slice(0, 5)) process.stdout.write(`  ${l.slice(0, 400)}\n`);
    }
  }

  try {
    mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
    const file = new URL(`./out/load-${report.date.replace(/[:.]/g, '-')}.json`, import.meta.url);
    const strip = (o) => (o ? { ...o, errorList: o.errorList?.slice(0, 100) } : o);
    writeFileSync(
      file,
      JSON.stringify({ ...report, load: strip(report.load), single: strip(report.single) }, null, 2),
    );
    process.stdout.write(`report: ${fileURLToPath(file)}\n`);
  } catch (err) {
    process.stderr.write(`could not write the report: ${err.message}\n`);
  }

  const failed =
    (report.load !== undefined && (report.load.errors > 0 || report.load.lost !== 0)) ||
    (report.single !== undefined && (report.single.errors > 0 || report.single.lost !== 0));
  return failed ? 1 : 0;
}

async function cleanup() {
  await Promise.all(children.map((p) => p.stop()));
  try {
    const { deleted, left } = await deletePrefix();
    process.stderr.write(
      `stopped the processes; deleted ${deleted} keys under ${PREFIX}:${left > 0 ? ` (${left} left!)` : ''}\n`,
    );
  } catch (err) {
    process.stderr.write(`could not delete the keys under ${PREFIX}: ${err.message}\n`);
  }
}

let cleaning;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    process.stderr.write(`\n${sig}: stopping …\n`);
    cleaning ??= cleanup();
    cleaning.finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (err) {
  process.stderr.write(`load benchmark failed: ${err.stack ?? err}\n`);
  code = 1;
} finally {
  cleaning ??= cleanup();
  await cleaning;
}
process.exit(code);
