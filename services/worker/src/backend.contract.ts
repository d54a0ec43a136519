/**
 * The contract every Backend passes (Redis + RedisWorker, and the embedded one): call
 * `backendContract(name, harnessFactory)` from a test file. It runs real simulations through the
 * real worker and compares them with a direct `run()` of the same spec.
 */
import { randomUUID } from 'node:crypto';
import { compile, run, type Results } from '@volley/sim';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backend, JobRecord, StreamMessage } from './backend.js';
import type { WorkerHandle } from './worker-handle.js';

export interface Harness {
  backend: Backend;
  /** Starts the worker (tests decide when, to see jobs while queued). */
  startWorker(): Promise<WorkerHandle>;
  /** Seconds until a finished job's results expire, as the store reports it. */
  resultsTtlS?(id: string): Promise<number>;
  /** Stops the worker, closes the backend and deletes everything it stored. */
  close(): Promise<void>;
}

/** Environment overrides (same variables as `loadConfig`) → a fresh, isolated harness. */
export type HarnessFactory = (env: Record<string, string>) => Promise<Harness>;

/** Brian 2's three-neuron example: spikes, delays, a state monitor; 50 ms. */
export const SEED_THREE = {
  version: 1,
  name: 'seed-three',
  dt: '0.1*ms',
  duration: '50*ms',
  seed: 1,
  groups: {
    G: {
      type: 'neurons',
      N: 3,
      model: 'dv/dt = (I-v)/tau : 1\nI : 1\ntau : second',
      threshold: 'v > 1',
      reset: 'v = 0',
      method: 'exact',
      init: { I: [2, 0, 0], tau: { values: [10, 100, 100], unit: 'ms' } },
    },
  },
  synapses: {
    S: {
      source: 'G',
      target: 'G',
      model: 'w : 1',
      on_pre: 'v_post += w',
      connect: { i: 0, j: [1, 2] },
      init: { w: 'j*0.2', delay: 'j*2*ms' },
    },
  },
  monitors: {
    M: { type: 'state', source: 'G', variables: ['v'], record: true },
    spikes: { type: 'spikes', source: 'G' },
  },
};

/** The CUBA benchmark network (4000 neurons) for 100 s: long enough to cancel or time out. */
export const CUBA_LONG = {
  version: 1,
  name: 'cuba-long',
  dt: '0.1*ms',
  duration: '100*second',
  seed: 11,
  constants: {
    taum: '20*ms',
    taue: '5*ms',
    taui: '10*ms',
    Vt: '-50*mV',
    Vr: '-60*mV',
    El: '-49*mV',
    we: '(60*0.27/10)*mV',
    wi: '(-20*4.5/10)*mV',
  },
  groups: {
    P: {
      type: 'neurons',
      N: 4000,
      model:
        'dv/dt = (ge+gi-(v-El))/taum : volt (unless refractory)\ndge/dt = -ge/taue : volt\ndgi/dt = -gi/taui : volt',
      threshold: 'v > Vt',
      reset: 'v = Vr',
      refractory: '5*ms',
      method: 'exact',
      init: { v: 'Vr + rand() * (Vt - Vr)', ge: '0*mV', gi: '0*mV' },
    },
  },
  synapses: {
    Ce: {
      source: 'P',
      target: 'P',
      model: '',
      on_pre: 'ge += we',
      connect: { condition: 'i < 3200', p: 0.02 },
    },
    Ci: {
      source: 'P',
      target: 'P',
      model: '',
      on_pre: 'gi += wi',
      connect: { condition: 'i >= 3200', p: 0.02 },
    },
  },
  monitors: { spikes: { type: 'spikes', source: 'P' }, rate: { type: 'rate', source: 'P', bin: '1*ms' } },
};

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export function submitRequest(spec: unknown, owner = 'alice') {
  const compiled = compile(spec);
  if (!compiled.ok) throw new Error(`test spec does not compile: ${JSON.stringify(compiled.diagnostics)}`);
  const name = (spec as { name?: string }).name;
  return {
    id: randomUUID(),
    owner,
    ...(name === undefined ? {} : { name }),
    spec,
    seed: compiled.program.seed,
    size: compiled.program.size,
  };
}

/** Reads a job's whole log with blocking reads until its final message (or the deadline). */
export async function readAll(backend: Backend, id: string, timeoutMs = 60_000): Promise<StreamMessage[]> {
  const out: StreamMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const batch = await backend.readEvents(id, out.length + 1, 500, 1000);
    out.push(...batch);
    const last = out[out.length - 1];
    if (last !== undefined && (last.type === 'done' || last.type === 'error')) return out;
    if (batch.length === 0) {
      const record = await backend.get(id);
      if (record === null) return out;
    }
  }
  throw new Error(`job ${id}: no final message within ${timeoutMs} ms (${out.length} messages)`);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Results without the timings, which differ between any two runs. */
function comparable(r: Results) {
  const { build_time_s: _b, wall_time_s: _w, total_time_s: _t, ...stats } = r.stats;
  return { ...r, stats };
}

function expectContiguous(log: StreamMessage[], from = 1) {
  expect(log.map((m) => m.seq)).toEqual(log.map((_, k) => k + from));
}

export function backendContract(name: string, factory: HarnessFactory): void {
  describe(`Backend contract: ${name}`, () => {
    const harnesses: Harness[] = [];
    const make = async (env: Record<string, string> = {}) => {
      const h = await factory({ WORKER_CONCURRENCY: '2', ...env });
      harnesses.push(h);
      return h;
    };
    afterAll(async () => {
      await Promise.all(harnesses.map((h) => h.close()));
    });

    it('runs a job: seq 1..n without gaps, running → chunks → done, results equal a direct run', async () => {
      const h = await make();
      const worker = await h.startWorker();
      const req = submitRequest(SEED_THREE);
      const queued = await h.backend.submit(req);
      expect(queued).toMatchObject({
        id: req.id,
        owner: 'alice',
        name: 'seed-three',
        status: 'queued',
        seed: 1,
        size: req.size,
      });
      expect(Date.parse(queued.createdAt)).not.toBeNaN();

      const log = await readAll(h.backend, req.id);
      expectContiguous(log);
      expect(log[0]).toEqual({ seq: 1, type: 'status', status: 'running' });
      const last = log[log.length - 1];
      expect(last).toMatchObject({ type: 'done', status: 'completed' });
      expect(log.filter((m) => m.type === 'progress').length).toBeGreaterThan(0);

      const compiled = compile(SEED_THREE);
      if (!compiled.ok) throw new Error('seed-three does not compile');
      const direct = run(compiled.program, { id: req.id });
      const results = await h.backend.getResults(req.id);
      expect(results).not.toBeNull();
      expect(comparable(results!)).toEqual(comparable(direct));

      // The stream's spikes are the results' spikes, in order.
      const streamed = log.flatMap((m) =>
        m.type === 'spikes' && m.monitor === 'spikes' ? m.i.map((i, k) => [i, m.t[k]]) : [],
      );
      const monitor = direct.monitors.spikes as { i: number[]; t: number[] };
      expect(streamed).toEqual(monitor.i.map((i, k) => [i, monitor.t[k]]));

      const record = await h.backend.get(req.id);
      expect(record).toMatchObject({ status: 'completed', progress: { fraction: 1 } });
      expect(record!.stats).toEqual((last as { stats: unknown }).stats);
      expect(record!.startedAt).toBeDefined();
      expect(record!.finishedAt).toBeDefined();
      expect(await h.backend.countActive('alice')).toBe(0);
      expect(await h.backend.counts()).toMatchObject({ queued: 0, running: 0, completed: 1 });
      expect(worker.running).toBe(0);

      // Reading from the middle, and past the end.
      const middle = await h.backend.readEvents(req.id, 2, 2, 0);
      expect(middle).toEqual(log.slice(1, 3));
      const tail = await h.backend.readEvents(req.id, log.length, 100, 0);
      expect(tail).toEqual([last]);
      const t0 = Date.now();
      expect(await h.backend.readEvents(req.id, log.length + 1, 100, 5000)).toEqual([]);
      expect(Date.now() - t0).toBeLessThan(1000); // finished job: no waiting
    });

    it('runs with the request’s seed, and returns small results intact', async () => {
      const h = await make();
      await h.startWorker();
      // Spikes only: packed results of a few hundred bytes (small Buffers live in a shared pool).
      const { seed: _seed, monitors, ...rest } = SEED_THREE;
      const unseeded = { ...rest, monitors: { spikes: monitors.spikes } };
      const req = { ...submitRequest({ ...unseeded, seed: 1 }), spec: unseeded, seed: 12345 };
      expect((await h.backend.submit(req)).seed).toBe(12345);
      await readAll(h.backend, req.id);
      const compiled = compile({ ...unseeded, seed: 12345 });
      if (!compiled.ok) throw new Error('does not compile');
      const results = await h.backend.getResults(req.id);
      expect(results?.seed).toBe(12345);
      expect(comparable(results!)).toEqual(comparable(run(compiled.program, { id: req.id })));
    });

    it('wakes a blocked reader as soon as the first event is written', async () => {
      const h = await make();
      const req = submitRequest(SEED_THREE);
      await h.backend.submit(req);
      const t0 = Date.now();
      const reading = h.backend.readEvents(req.id, 1, 10, 15_000);
      await new Promise((r) => setTimeout(r, 300));
      await h.startWorker();
      const first = await reading;
      expect(first.length).toBeGreaterThan(0);
      expect(first[0]).toEqual({ seq: 1, type: 'status', status: 'running' });
      expect(Date.now() - t0).toBeLessThan(10_000);
      // Nothing new on an unknown job: empty after the wait, no error.
      expect(await h.backend.readEvents('no-such-job', 1, 10, 100)).toEqual([]);
      await readAll(h.backend, req.id);
    });

    it('cancels a long run within about a second, ending its log with error/cancelled', async () => {
      const h = await make();
      const worker = await h.startWorker();
      const req = submitRequest(CUBA_LONG);
      await h.backend.submit(req);
      const seen: StreamMessage[] = [];
      await waitFor('progress of the long run', async () => {
        seen.push(...(await h.backend.readEvents(req.id, seen.length + 1, 1000, 500)));
        return seen.some((m) => m.type === 'progress');
      });
      expect(worker.running).toBe(1);
      const t0 = Date.now();
      const cancelled = await h.backend.cancel(req.id);
      expect(cancelled).toMatchObject({ id: req.id, status: 'cancelled', error: { code: 'cancelled' } });
      await waitFor('the thread to stop', () => Promise.resolve(worker.running === 0), 5000, 10);
      expect(Date.now() - t0).toBeLessThan(1500);

      const log = await readAll(h.backend, req.id);
      expectContiguous(log);
      expect(log[log.length - 1]).toMatchObject({
        type: 'error',
        status: 'cancelled',
        error: { code: 'cancelled' },
      });
      // Nothing is written after the final message, however late the thread stopped.
      await new Promise((r) => setTimeout(r, 300));
      expect(await h.backend.readEvents(req.id, log.length + 1, 10, 0)).toEqual([]);
      const record = await h.backend.get(req.id);
      expect(record).toMatchObject({ status: 'cancelled' });
      expect(record!.progress.fraction).toBeLessThan(1);
      expect(await h.backend.countActive('alice')).toBe(0);
      expect(await h.backend.getResults(req.id)).toBeNull();
      // Cancelling again changes nothing.
      expect(await h.backend.cancel(req.id)).toMatchObject({ status: 'cancelled' });
      expect(await h.backend.cancel('no-such-job')).toBeNull();
    });

    it('cancels a queued job: it never runs', async () => {
      const h = await make();
      const req = submitRequest(SEED_THREE);
      await h.backend.submit(req);
      expect(await h.backend.countActive('alice')).toBe(1);
      expect(await h.backend.cancel(req.id)).toMatchObject({
        status: 'cancelled',
        error: { code: 'cancelled' },
      });
      expect(await h.backend.countActive('alice')).toBe(0);
      const other = submitRequest(SEED_THREE);
      await h.backend.submit(other);
      await h.startWorker();
      await readAll(h.backend, other.id);
      const log = await h.backend.readEvents(req.id, 1, 100, 0);
      expect(log).toEqual([
        {
          seq: 1,
          type: 'error',
          status: 'cancelled',
          error: { code: 'cancelled', message: expect.any(String) as string },
        },
      ]);
      expect(await h.backend.get(req.id)).toMatchObject({ status: 'cancelled' });
    });

    it('lists an owner’s jobs newest first, with cursor pagination, and counts active ones', async () => {
      const h = await make();
      const ids: string[] = [];
      for (let k = 0; k < 5; k++) {
        const req = submitRequest(SEED_THREE, 'bob');
        ids.push(req.id);
        await h.backend.submit(req);
      }
      await h.backend.submit(submitRequest(SEED_THREE, 'carol'));
      expect(await h.backend.countActive('bob')).toBe(5);
      expect(await h.backend.countActive('carol')).toBe(1);
      expect(await h.backend.countActive('nobody')).toBe(0);
      expect(await h.backend.counts()).toMatchObject({ queued: 6, running: 0 });

      const seen: JobRecord[] = [];
      let cursor: string | undefined;
      const sizes: number[] = [];
      do {
        const page = await h.backend.list('bob', { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        sizes.push(page.items.length);
        seen.push(...page.items);
        cursor = page.next;
      } while (cursor !== undefined);
      expect(sizes).toEqual([2, 2, 1]);
      expect(seen.map((r) => r.id)).toEqual([...ids].reverse());
      expect(seen.every((r) => r.owner === 'bob' && r.status === 'queued')).toBe(true);
      expect((await h.backend.list('bob', { limit: 5 })).next).toBeUndefined();
      expect((await h.backend.list('nobody', { limit: 5 })).items).toEqual([]);
      expect((await h.backend.list('bob', { limit: 5, cursor: 'garbage' })).items).toEqual([]);

      await h.backend.cancel(ids[1]);
      expect(await h.backend.countActive('bob')).toBe(4);
      expect(await h.backend.counts()).toMatchObject({ queued: 5, cancelled: 1 });
    });

    it('removes only finished jobs, with their log and results', async () => {
      const h = await make();
      const req = submitRequest(SEED_THREE);
      await h.backend.submit(req);
      expect(await h.backend.remove(req.id)).toBe(false); // queued
      await h.startWorker();
      await readAll(h.backend, req.id);
      expect(await h.backend.getResults(req.id)).not.toBeNull();
      expect(await h.backend.remove(req.id)).toBe(true);
      expect(await h.backend.get(req.id)).toBeNull();
      expect(await h.backend.getResults(req.id)).toBeNull();
      expect(await h.backend.readEvents(req.id, 1, 10, 0)).toEqual([]);
      expect((await h.backend.list('alice', { limit: 10 })).items).toEqual([]);
      expect(await h.backend.remove(req.id)).toBe(false);
    });

    it('keeps results for RESULT_TTL_S', async () => {
      const h = await make({ RESULT_TTL_S: '3600' });
      await h.startWorker();
      const req = submitRequest(SEED_THREE);
      await h.backend.submit(req);
      await readAll(h.backend, req.id);
      if (h.resultsTtlS !== undefined) {
        const ttl = await h.resultsTtlS(req.id);
        expect(ttl).toBeGreaterThan(3590);
        expect(ttl).toBeLessThanOrEqual(3600);
      }
    });

    it('expires a finished job after RESULT_TTL_S', async () => {
      const h = await make({ RESULT_TTL_S: '1' });
      await h.startWorker();
      const req = submitRequest(SEED_THREE);
      await h.backend.submit(req);
      await readAll(h.backend, req.id);
      expect(await h.backend.getResults(req.id)).not.toBeNull();
      await waitFor('expiry', async () => (await h.backend.get(req.id)) === null, 5000, 100);
      expect(await h.backend.getResults(req.id)).toBeNull();
      expect((await h.backend.list('alice', { limit: 10 })).items).toEqual([]);
    });

    it('fails a run whose log would exceed STREAM_MAX_ENTRIES with stream_limit', async () => {
      const h = await make({ STREAM_MAX_ENTRIES: '8' });
      await h.startWorker();
      const req = submitRequest(SEED_THREE);
      await h.backend.submit(req);
      const log = await readAll(h.backend, req.id);
      expectContiguous(log);
      expect(log.length).toBeLessThanOrEqual(8);
      expect(log[log.length - 1]).toMatchObject({
        type: 'error',
        status: 'failed',
        error: { code: 'stream_limit' },
      });
      expect(await h.backend.get(req.id)).toMatchObject({
        status: 'failed',
        error: { code: 'stream_limit' },
      });
    });

    it('fails a run past JOB_WALL_LIMIT_S with time_limit', async () => {
      const h = await make({ JOB_WALL_LIMIT_S: '0.5' });
      const worker = await h.startWorker();
      const req = submitRequest(CUBA_LONG);
      await h.backend.submit(req);
      const log = await readAll(h.backend, req.id, 30_000);
      expectContiguous(log);
      expect(log[log.length - 1]).toMatchObject({
        type: 'error',
        status: 'failed',
        error: { code: 'time_limit' },
      });
      await waitFor('the thread to stop', () => Promise.resolve(worker.running === 0), 5000, 10);
    });

    it('fails a spec that does not compile with invalid_spec', async () => {
      const h = await make();
      await h.startWorker();
      const req = { ...submitRequest(SEED_THREE), spec: { version: 1, duration: 'ten seconds' } };
      await h.backend.submit(req);
      const log = await readAll(h.backend, req.id);
      expect(log[log.length - 1]).toMatchObject({
        type: 'error',
        status: 'failed',
        error: { code: 'invalid_spec' },
      });
    });

    it('fails running jobs with worker_shutdown when the worker closes past its grace period', async () => {
      const h = await make();
      const worker = await h.startWorker();
      const req = submitRequest(CUBA_LONG);
      await h.backend.submit(req);
      await waitFor('the long run to start', async () => (await h.backend.get(req.id))?.status === 'running');
      await worker.close(100);
      expect(worker.running).toBe(0);
      const record = await h.backend.get(req.id);
      expect(record).toMatchObject({ status: 'failed', error: { code: 'worker_shutdown' } });
      expect(TERMINAL.has(record!.status)).toBe(true);
      const log = await h.backend.readEvents(req.id, 1, 10_000, 0);
      expectContiguous(log);
      expect(log[log.length - 1]).toMatchObject({ type: 'error', error: { code: 'worker_shutdown' } });
    });
  });
}
