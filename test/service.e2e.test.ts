/**
 * The whole service, as shipped: the built API process and worker processes, real HTTP, a real
 * WebSocket client, real Redis. One contract, two deployments:
 *
 * - embedded: `node services/api/dist/main.js` alone (no REDIS_URL), the worker inside it;
 * - redis:    the API with VOLLEY_ROLE=api plus `node services/worker/dist/main.js`, on the shared
 *             Redis under a random prefix that is deleted afterwards.
 *
 * Run `pnpm build` first.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REDIS_URL,
  redisAvailable,
  redisKeys,
  spikesOf,
  startApi,
  startWorker,
  streamOf,
  uniquePrefix,
  type ApiProcess,
  type Message,
  type Proc,
} from './service-harness.js';

const example = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../examples/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

const ALICE = 'alice-e2e-secret';
const BOB = 'bob-e2e-secret';
const auth = (key: string) => ({ authorization: `Bearer ${key}` });

/** Runs for many minutes unless stopped. */
const LONG = {
  version: 1,
  name: 'long',
  duration: '2000*second',
  seed: 4,
  groups: { P: { type: 'poisson', N: 20, rates: '10*Hz' } },
  monitors: { spk: { type: 'spikes', source: 'P' } },
};

/** The API's configuration common to both modes; limits low enough to test 422 cheaply. */
const API_ENV = {
  API_KEYS: `alice:${ALICE},bob:${BOB}`,
  MAX_NEURONS: '10000',
  MAX_STEPS: '50000000',
  MAX_ACTIVE_JOBS_PER_KEY: '20',
};
/** Workers: one simulation at a time; a dead worker's job noticed within a couple of seconds. */
const WORKER_ENV = {
  WORKER_CONCURRENCY: '1',
  LOCK_DURATION_MS: '1500',
  STALLED_INTERVAL_MS: '500',
  SHUTDOWN_GRACE_MS: '1000',
};

/** A parsed body, read loosely: the assertions check its shape. */
type Body = ReturnType<typeof JSON.parse>;

interface Simulation {
  id: string;
  status: string;
  seed: number;
  error?: { code: string; message: string };
  progress: { t: number; fraction: number };
  links: { self: string; stream: string; results: string };
}

const redisUp = await redisAvailable();

describe.each([
  { mode: 'embedded', redis: false },
  { mode: 'redis', redis: true },
])('the service ($mode)', ({ redis }) => {
  const prefix = uniquePrefix();
  let api: ApiProcess;
  const workers: Proc[] = [];
  const skip = redis && !redisUp;

  const redisEnv: Record<string, string> = redis ? { REDIS_URL, REDIS_PREFIX: prefix } : {};

  beforeAll(async () => {
    if (skip) return;
    if (redis) {
      workers.push(await startWorker({ ...redisEnv, ...WORKER_ENV }));
      api = await startApi({ ...redisEnv, ...API_ENV, VOLLEY_ROLE: 'api' });
    } else {
      api = await startApi({ ...API_ENV, ...WORKER_ENV });
    }
  });

  afterAll(async () => {
    if (skip) return;
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
    if (redis) {
      await redisKeys(prefix, true);
      expect(await redisKeys(prefix)).toBe(0);
    }
  });

  async function call(
    method: string,
    path: string,
    key: string | null = ALICE,
    body?: unknown,
  ): Promise<{ status: number; json: Body; headers: Headers }> {
    const headers: Record<string, string> = key === null ? {} : auth(key);
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(`${api.url}${path}`, init);
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text), headers: res.headers };
  }

  async function submit(spec: unknown, key = ALICE): Promise<Simulation> {
    const res = await call('POST', '/v1/simulations', key, spec);
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    return res.json as Simulation;
  }

  async function until(id: string, statuses: string[], timeoutMs = 30_000, key = ALICE): Promise<Simulation> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { json } = await call('GET', `/v1/simulations/${id}`, key);
      if (statuses.includes((json as Simulation).status)) return json as Simulation;
      if (Date.now() > deadline)
        throw new Error(`simulation ${id} is ${(json as Simulation).status}, not ${statuses.join('/')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const expectContiguous = (messages: Message[], from = 1) =>
    messages.forEach((m, k) => expect(m.seq).toBe(from + k));

  it.skipIf(skip)('streams seed-three live; the streamed spikes equal the final results', async () => {
    const job = await submit(example('seed-three'));
    const live = await streamOf(`${api.ws}${job.links.stream}`, auth(ALICE));
    expect(live.code).toBe(1000);
    expectContiguous(live.messages);
    expect(live.messages.at(-1)).toMatchObject({ type: 'done', status: 'completed' });

    const results = await call('GET', job.links.results);
    expect(results.status).toBe(200);
    expect(results.headers.get('content-type')).toMatch(/^application\/json/);
    expect(results.json.seed).toBe(1);
    const streamed = spikesOf(live.messages, 'spikes');
    expect(streamed.i.length).toBeGreaterThan(0);
    expect(streamed).toEqual({ i: results.json.monitors.spikes.i, t: results.json.monitors.spikes.t });

    // A late client gets the whole log again; ?from= resumes from the middle.
    const late = await streamOf(`${api.ws}${job.links.stream}?key=${ALICE}`);
    expect(late.messages).toEqual(live.messages);
    const from = Math.max(2, Math.floor(live.messages.length / 2));
    const resumed = await streamOf(`${api.ws}${job.links.stream}?from=${from}`, auth(ALICE));
    expectContiguous(resumed.messages, from);
    expect(resumed.messages).toEqual(live.messages.slice(from - 1));

    const filtered = await call('GET', `${job.links.results}?monitors=spikes`);
    expect(Object.keys(filtered.json.monitors)).toEqual(['spikes']);
  });

  it.skipIf(skip)('reports the seed it chose for a spec without one', async () => {
    const { seed: _seed, ...unseeded } = example('seed-hundred');
    const job = await submit(unseeded);
    expect(Number.isInteger(job.seed)).toBe(true);
    await until(job.id, ['completed']);
    const results = await call('GET', job.links.results);
    expect(results.status, JSON.stringify(results.json).slice(0, 300)).toBe(200);
    expect(results.json.seed).toBe(job.seed);
  });

  it.skipIf(skip)('cancels a long run: the stream ends cancelled and the worker is free again', async () => {
    const job = await submit(LONG);
    let cancelled: Promise<{ status: number; json: Body }> | undefined;
    const stream = await streamOf(`${api.ws}${job.links.stream}`, auth(ALICE), (m) => {
      if (m.type === 'progress' && cancelled === undefined) cancelled = call('DELETE', job.links.self);
    });
    const answer = await cancelled;
    expect(answer?.status).toBe(200);
    expect(answer?.json).toMatchObject({ id: job.id, status: 'cancelled' });
    expect(stream.code).toBe(1000);
    expect(stream.messages.at(-1)).toMatchObject({ type: 'error', status: 'cancelled' });

    const record = (await call('GET', job.links.self)).json as Simulation;
    expect(record.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 500));
    expect(((await call('GET', job.links.self)).json as Simulation).progress).toEqual(record.progress);
    expect((await call('GET', job.links.results)).status).toBe(409);

    // WORKER_CONCURRENCY=1: the next job only runs if the cancelled one really stopped.
    const next = await submit(example('seed-single'));
    await until(next.id, ['completed'], 20_000);
  });

  it.skipIf(skip)('refuses a bad spec with 400 and the line and column of the mistake', async () => {
    const spec = example('seed-three');
    (spec.groups as { G: { model: string } }).G.model =
      'dv/dt = (I-v)/tau : 1\nI : 1\ntau : second\nw = v*q : 1';
    const res = await call('POST', '/v1/simulations', ALICE, spec);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_spec');
    expect(res.json.error.details.diagnostics).toContainEqual(
      expect.objectContaining({ path: 'groups.G.model', line: 4, column: 7, code: expect.any(String) }),
    );

    const broken = await call('POST', '/v1/simulations', ALICE, '{"version": 1,\n "duration": }');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toMatchObject({ code: 'invalid_json', details: { line: 2 } });
  });

  it.skipIf(skip)('refuses a network over the limits with 422', async () => {
    const res = await call('POST', '/v1/simulations', ALICE, {
      ...LONG,
      groups: { P: { type: 'poisson', N: 50_000, rates: '1*Hz' } },
    });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe('limit_exceeded');
    expect(res.json.error.details.limits).toContainEqual({ limit: 'neurons', value: 50_000, max: 10_000 });
  });

  it.skipIf(skip)(
    "hides another key's job: 404 over HTTP, 4404 on the stream; 401 without a key",
    async () => {
      const job = await submit(example('seed-single'), ALICE);
      expect((await call('GET', job.links.self, BOB)).status).toBe(404);
      expect((await call('GET', job.links.results, BOB)).status).toBe(404);
      expect((await call('DELETE', job.links.self, BOB)).status).toBe(404);
      const stream = await streamOf(`${api.ws}${job.links.stream}`, auth(BOB));
      expect(stream.code).toBe(4404);
      expect((await call('GET', '/v1/simulations', null)).status).toBe(401);
      const mine = (await call('GET', '/v1/simulations?limit=100', BOB)).json as { items: Simulation[] };
      expect(mine.items.some((s) => s.id === job.id)).toBe(false);
    },
  );

  it.skipIf(skip)('serves health, readiness, metrics and the OpenAPI document', async () => {
    expect((await call('GET', '/healthz', null)).status).toBe(200);
    expect((await call('GET', '/readyz', null)).json).toEqual({
      ok: true,
      backend: redis ? 'redis' : 'embedded',
    });
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/volley_jobs\{state="completed"\} [1-9]/);
    const doc = (await call('GET', '/openapi.json', null)).json as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/v1/simulations/{id}/stream');
  });

  it.runIf(redis && redisUp)(
    'kill -9 of a worker mid-job leaves the job failed, not stuck running',
    async () => {
      const job = await submit(LONG);
      await until(job.id, ['running'], 20_000);
      const stream = streamOf(`${api.ws}${job.links.stream}`, auth(ALICE));
      const [dead] = workers.splice(0, 1);
      await dead?.kill9();
      // Another worker notices the dead one's job (its lock expires) and ends it.
      workers.push(await startWorker({ ...redisEnv, ...WORKER_ENV }));
      const ended = await until(job.id, ['failed', 'queued', 'completed'], 30_000);
      expect(ended.status).toBe('failed');
      expect(ended.error?.code).toBe('worker_lost');
      const got = await stream;
      expect(got.messages.at(-1)).toMatchObject({ type: 'error', status: 'failed' });
      // And the new worker takes new jobs.
      const next = await submit(example('seed-single'));
      await until(next.id, ['completed'], 20_000);
    },
  );
});
