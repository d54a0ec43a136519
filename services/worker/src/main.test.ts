/**
 * The standalone worker process (`dist/main.js`, so run `pnpm build` first): bad configuration,
 * kill -9 mid-job (the job must end failed, or be retried, never stay `running`), and SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CUBA_LONG, readAll, submitRequest, waitFor } from './backend.contract.js';
import { redisHarness, REDIS_URL, type RedisHarness } from './test-support.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Short lock and stalled check, so a dead worker's job is noticed in a couple of seconds. */
const FAST = { LOCK_DURATION_MS: '1000', STALLED_INTERVAL_MS: '500', WORKER_CONCURRENCY: '1' };

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startMain(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

const procs: Proc[] = [];
const harnesses: RedisHarness[] = [];
afterEach(async () => {
  for (const p of procs.splice(0))
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness(env: Record<string, string>) {
  const h = await redisHarness(env);
  harnesses.push(h);
  return h;
}

function workerEnv(h: RedisHarness, extra: Record<string, string> = {}) {
  return { REDIS_URL, REDIS_PREFIX: h.config.redisPrefix, ...FAST, ...extra };
}

/** Starts main.js and a long job, and waits until that process is running it. */
async function longJobInChild(h: RedisHarness, extra: Record<string, string> = {}) {
  const proc = startMain(workerEnv(h, extra));
  procs.push(proc);
  await waitFor(
    'the worker to be ready',
    () => Promise.resolve(proc.output().includes('volley worker ready')),
    20_000,
  );
  const req = submitRequest(CUBA_LONG);
  await h.backend.submit(req);
  await waitFor(
    'progress',
    async () => (await h.backend.readEvents(req.id, 1, 1000, 500)).some((m) => m.type === 'progress'),
    30_000,
  );
  return { proc, req };
}

describe('worker process (dist/main.js)', () => {
  it('exits 1 naming the variable when the configuration is wrong', async () => {
    const bad = startMain({ REDIS_URL, WORKER_CONCURRENCY: 'abc' });
    expect((await bad.exited).code).toBe(1);
    expect(bad.output()).toMatch(/WORKER_CONCURRENCY: expected an integer >= 1, got "abc"/);
    const noRedis = startMain({});
    expect((await noRedis.exited).code).toBe(1);
    expect(noRedis.output()).toMatch(/REDIS_URL/);
  });

  it('kill -9 mid-job: another worker marks the job failed with worker_lost', async () => {
    const h = await harness(FAST);
    const { proc, req } = await longJobInChild(h);
    expect(await h.backend.get(req.id)).toMatchObject({ status: 'running' });
    proc.child.kill('SIGKILL');
    await proc.exited;
    await h.startWorker();
    const record = await waitFor('the lost job to fail', async () => {
      const r = await h.backend.get(req.id);
      return r?.status === 'failed' ? r : null;
    });
    expect(record.error).toMatchObject({ code: 'worker_lost' });
    const log = await readAll(h.backend, req.id);
    expect(log.map((m) => m.seq)).toEqual(log.map((_, k) => k + 1));
    expect(log[log.length - 1]).toMatchObject({
      type: 'error',
      status: 'failed',
      error: { code: 'worker_lost' },
    });
    expect(await h.backend.countActive('alice')).toBe(0);
    expect(await h.backend.counts()).toMatchObject({ running: 0, failed: 1 });
  });

  it('kill -9 mid-job with JOB_RETRIES=1: another worker runs it again', async () => {
    const h = await harness({ ...FAST, JOB_RETRIES: '1' });
    const { proc, req } = await longJobInChild(h, { JOB_RETRIES: '1' });
    proc.child.kill('SIGKILL');
    await proc.exited;
    const worker = await h.startWorker();
    await waitFor('the retry to run', () => Promise.resolve(worker.running === 1));
    const seen = await h.backend.readEvents(req.id, 1, 100_000, 0);
    const statuses = seen.filter((m) => m.type === 'status').map((m) => [m.status, m.error?.code]);
    expect(statuses).toEqual([
      ['running', undefined],
      ['queued', 'worker_lost'],
      ['running', undefined],
    ]);
    await h.backend.cancel(req.id);
    await waitFor('the retry to stop', () => Promise.resolve(worker.running === 0), 5000, 10);
  });

  it('SIGTERM: stops taking jobs, fails the running one after the grace period, exits 0', async () => {
    const h = await harness(FAST);
    const { proc, req } = await longJobInChild(h, { SHUTDOWN_GRACE_MS: '300' });
    const t0 = Date.now();
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await h.backend.get(req.id)).toMatchObject({
      status: 'failed',
      error: { code: 'worker_shutdown' },
    });
    const log = await h.backend.readEvents(req.id, 1, 100_000, 0);
    expect(log[log.length - 1]).toMatchObject({ type: 'error', error: { code: 'worker_shutdown' } });
  });
});
