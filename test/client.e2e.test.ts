/**
 * The SDK and the CLI against a real API process: embedded mode (no Redis) and Redis mode (the
 * shared Redis, under a unique prefix deleted afterwards). Nothing is mocked: the stream's resume
 * logic is proven through a TCP proxy that really drops connections mid-frame.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VolleyClient, VolleyError, type StreamMessage } from '@volley/client';
import { compile, run } from '@volley/sim';
import {
  CuttingProxy,
  REDIS_URL,
  ROOT,
  cleanRedis,
  countRedisKeys,
  redisAvailable,
  startApi,
  uniquePrefix,
  type ApiServer,
} from './client-server.js';

/** A spec as JSON, loose enough to break on purpose. */
interface SpecDoc {
  groups: Record<string, Record<string, unknown>>;
  [field: string]: unknown;
}

const example = (name: string): SpecDoc =>
  JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8')) as SpecDoc;

async function collect(stream: AsyncIterable<StreamMessage>): Promise<StreamMessage[]> {
  const out: StreamMessage[] = [];
  for await (const m of stream) out.push(m);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<VolleyError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VolleyError);
    return e as VolleyError;
  }
  throw new Error('expected a VolleyError');
}

function spikesOf(messages: StreamMessage[], monitor: string): { i: number[]; t: number[] } {
  const i: number[] = [];
  const t: number[] = [];
  for (const m of messages) {
    if (m.type === 'spikes' && m.monitor === monitor) {
      i.push(...m.i);
      t.push(...m.t);
    }
  }
  return { i, t };
}

function expectContiguous(messages: StreamMessage[], from = 1): void {
  expect(messages.map((m) => m.seq)).toEqual(messages.map((_, k) => from + k));
  expect(['done', 'error']).toContain(messages.at(-1)?.type);
  expect(messages.filter((m) => m.type === 'done' || m.type === 'error')).toHaveLength(1);
}

const hasRedis = await redisAvailable();

const modes = [
  { name: 'embedded', redis: false },
  { name: 'redis', redis: true },
] as const;

for (const mode of modes) {
  describe.skipIf(mode.redis && !hasRedis)(`SDK against the API (${mode.name})`, () => {
    let api: ApiServer;
    let client: VolleyClient;
    const prefix = uniquePrefix();

    beforeAll(async () => {
      api = await startApi(mode.redis ? { REDIS_URL, REDIS_PREFIX: prefix } : {});
      client = new VolleyClient({ server: api.url });
    });

    afterAll(async () => {
      await api?.stop();
      if (mode.redis) {
        await cleanRedis(prefix);
        expect(await countRedisKeys(prefix)).toBe(0);
      }
    });

    it('validates: the size of a valid spec, located diagnostics for an invalid one', async () => {
      const ok = await client.validate(example('cuba.json'));
      expect(ok).toMatchObject({ ok: true, size: { neurons: 4000, steps: 10_000 } });

      const spec = example('seed-single.json');
      spec.groups.G.threshold = 'v > 0.8*mV';
      const bad = await client.validate(spec);
      expect(bad.ok).toBe(false);
      if (bad.ok) return;
      expect(bad.diagnostics[0]).toMatchObject({ path: 'groups.G.threshold', line: 1 });
      expect(typeof bad.diagnostics[0]?.column).toBe('number');
    });

    it('submit refuses an invalid spec with a VolleyError carrying the diagnostics', async () => {
      const spec = example('seed-single.json');
      spec.groups.G.threshold = 'v > 0.8*mV';
      const err = await rejection(client.submit(spec));
      expect(err).toMatchObject({ status: 400, code: 'invalid_spec' });
      expect(err.diagnostics?.[0]?.path).toBe('groups.G.threshold');

      const tooBig = example('seed-hundred.json');
      tooBig.groups.G.N = 50_000_000;
      const limit = await rejection(client.submit(tooBig));
      expect(limit).toMatchObject({ status: 422, code: 'limit_exceeded' });
    });

    it('submit → stream → results: each message once and in order, spikes equal to the results and a local run', async () => {
      const spec = example('seed-hundred.json');
      const sim = await client.submit(spec);
      expect(sim).toMatchObject({ status: 'queued', seed: 7 });
      expect(sim.links.stream).toContain(sim.id);

      const messages = await collect(client.stream(sim.id));
      expectContiguous(messages);
      const done = messages.at(-1)!;
      expect(done.type).toBe('done');
      expect(messages.some((m) => m.type === 'progress' && m.fraction === 1)).toBe(true);

      const results = await client.results(sim.id);
      const streamed = spikesOf(messages, 'spikemon');
      const recorded = results.monitors.spikemon;
      expect(recorded?.type).toBe('spikes');
      if (recorded?.type !== 'spikes') return;
      expect(streamed.i).toEqual(recorded.i);
      expect(streamed.t).toEqual(recorded.t);
      expect(results).toMatchObject({ id: sim.id, seed: 7, dt: 0.0001, duration: 0.05 });

      // Determinism: the same spec and seed in this process gives the same spikes, bit for bit.
      const compiled = compile(spec);
      if (!compiled.ok) throw new Error('example does not compile');
      const local = run(compiled.program).monitors.spikemon;
      expect(local).toEqual(recorded);

      const record = await client.get(sim.id);
      expect(record).toMatchObject({ id: sim.id, status: 'completed', progress: { fraction: 1 } });
      expect(record.stats?.steps).toBe(500);
      if (done.type === 'done') expect(done.stats.spikes).toBe(record.stats?.spikes);
    });

    it('resumes from ?from, and across connections dropped mid-frame, with no gap and no duplicate', async () => {
      const sim = await client.submit(example('cuba.json'));
      const proxy = await CuttingProxy.start(api.port, 24_000, 5);
      try {
        const flaky = new VolleyClient({ server: proxy.url });
        const reconnects: number[] = [];
        // Connect while the simulation runs: the live part and the replayed part both cross cuts.
        const live = await collect(
          flaky.stream(sim.id, {
            minDelayMs: 20,
            maxDelayMs: 200,
            onReconnect: ({ from }) => reconnects.push(from),
          }),
        );
        expect(proxy.cutsDone).toBe(5);
        expect(reconnects).toHaveLength(5);
        expectContiguous(live);
        expect(live.at(-1)?.type).toBe('done');

        const clean = await collect(client.stream(sim.id));
        expect(live).toEqual(clean);
        const results = await client.results(sim.id, { monitors: ['spikes'] });
        const m = results.monitors.spikes;
        if (m?.type !== 'spikes') throw new Error('no spike monitor');
        expect(spikesOf(live, 'spikes').i).toEqual(m.i);

        const tail = await collect(client.stream(sim.id, { from: 5 }));
        expect(tail[0]?.seq).toBe(5);
        expect(tail).toEqual(clean.slice(4));
      } finally {
        await proxy.stop();
      }
    });

    it('filters results by monitor and refuses unknown monitors', async () => {
      const sim = await client.submit(example('seed-single.json'));
      await collect(client.stream(sim.id));
      const only = await client.results(sim.id, { monitors: ['spikemon'] });
      expect(Object.keys(only.monitors)).toEqual(['spikemon']);
      const err = await rejection(client.results(sim.id, { monitors: ['nope'] }));
      expect(err).toMatchObject({ status: 400, code: 'unknown_monitor' });
    });

    it('lists simulations newest first, page by page', async () => {
      const ids: string[] = [];
      for (let k = 0; k < 3; k++)
        ids.push((await client.submit({ ...example('seed-single.json'), name: `page-${k}` })).id);
      const first = await client.list({ limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.next).toBeDefined();
      expect(first.items.map((s) => s.id)).toEqual([ids[2], ids[1]]);
      const second = await client.list({ limit: 2, cursor: first.next! });
      expect(second.items[0]?.id).toBe(ids[0]);
      const all: string[] = [];
      for await (const s of client.listAll({ limit: 3 })) all.push(s.id);
      expect(all.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
      expect(new Set(all).size).toBe(all.length);
      for (const id of ids) await collect(client.stream(id));
    });

    it('cancels a running simulation: its stream ends with an error message; deleting it then 404s', async () => {
      const sim = await client.submit(example('stdp-song2000.json'));
      const messages: StreamMessage[] = [];
      let cancelled = false;
      for await (const m of client.stream(sim.id)) {
        messages.push(m);
        if (!cancelled && m.type === 'progress') {
          cancelled = true;
          const after = await client.cancel(sim.id);
          expect(after?.status).toBe('cancelled');
        }
      }
      expectContiguous(messages);
      const last = messages.at(-1)!;
      expect(last).toMatchObject({ type: 'error', status: 'cancelled' });

      const notReady = await rejection(client.results(sim.id));
      expect(notReady).toMatchObject({ status: 409, code: 'not_ready' });

      expect(await client.cancel(sim.id)).toBeUndefined(); // finished: deleted
      const gone = await rejection(client.get(sim.id));
      expect(gone).toMatchObject({ status: 404, code: 'not_found' });
      const stream = await rejection(collect(client.stream(sim.id)));
      expect(stream).toMatchObject({ status: 404, code: 'not_found' });
    });

    it('reports unknown ids and unreachable servers as VolleyErrors', async () => {
      expect(await rejection(client.get('no-such-id'))).toMatchObject({ status: 404, code: 'not_found' });
      const offline = new VolleyClient({ server: 'http://127.0.0.1:9' });
      expect(await rejection(offline.get('x'))).toMatchObject({ status: 0, code: 'network_error' });
      const lost = await rejection(collect(offline.stream('x', { maxAttempts: 2, minDelayMs: 10 })));
      expect(lost).toMatchObject({ code: 'stream_failed' });
    });
  });
}

describe('SDK with API keys and rate limits', () => {
  let api: ApiServer;

  beforeAll(async () => {
    api = await startApi({
      API_KEYS: 'alice:secret-a,bob:secret-b',
      RATE_LIMIT_MAX: '12',
      RATE_LIMIT_WINDOW: '60s',
    });
  });
  afterAll(async () => api?.stop());

  it('needs a key, scopes simulations to their key, and takes the key on the stream', async () => {
    const anonymous = new VolleyClient({ server: api.url });
    expect(await rejection(anonymous.list())).toMatchObject({ status: 401, code: 'unauthorized' });
    const alice = new VolleyClient({ server: api.url, key: 'secret-a' });
    const bob = new VolleyClient({ server: api.url, key: 'secret-b' });
    const sim = await alice.submit(example('seed-single.json'));
    const messages = await collect(alice.stream(sim.id));
    expect(messages.at(-1)?.type).toBe('done');
    expect(await rejection(bob.get(sim.id))).toMatchObject({ status: 404 });
    expect(await rejection(collect(bob.stream(sim.id)))).toMatchObject({ status: 404, code: 'not_found' });
    const wrong = new VolleyClient({ server: api.url, key: 'nope' });
    expect(await rejection(collect(wrong.stream(sim.id)))).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
  });

  it('turns a 429 into a VolleyError with Retry-After', async () => {
    const alice = new VolleyClient({ server: api.url, key: 'secret-a', maxRetries: 0 });
    let err: VolleyError | undefined;
    for (let k = 0; k < 20 && err === undefined; k++) {
      try {
        await alice.list({ limit: 1 });
      } catch (e) {
        err = e as VolleyError;
      }
    }
    expect(err).toBeInstanceOf(VolleyError);
    expect(err).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(err!.retryAfter).toBeGreaterThan(0);
  });
});

describe('volley CLI against the API', () => {
  let api: ApiServer;
  const dir = mkdtempSync(join(tmpdir(), 'volley-cli-e2e-'));

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function volley(args: string[], env: Record<string, string> = {}) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'packages/client/dist/cli.js'), ...args], {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: '1', VOLLEY_SERVER: api.url, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('submit --watch follows the run and prints the summary; status, results, list, cancel', async () => {
    const watched = await volley(['submit', join(ROOT, 'examples/seed-hundred.json'), '--watch']);
    expect(watched.code, watched.stderr).toBe(0);
    const id = /submitted (\S+)/.exec(watched.stderr)?.[1];
    expect(id).toBeDefined();
    expect(watched.stderr).toMatch(/100%\s+t 50 ms\s+[\d,]+ spikes/);
    expect(watched.stdout).toMatch(/^seed-hundred: seed 7, 500 steps/);
    expect(watched.stdout).toMatch(
      /spikemon\s+spikes\s+[\d,]+ spikes from 100 neurons, mean [\d.]+ Hz per neuron/,
    );

    const status = await volley(['status', id!]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/status\s+completed/);

    const out = join(dir, 'results.json');
    const results = await volley(['results', id!, '--out', out]);
    expect(results.code, results.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const sdk = await new VolleyClient({ server: api.url }).results(id!);
    expect(doc).toEqual(sdk);

    const list = await volley(['list', '--limit', '5']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(id);

    const cancel = await volley(['cancel', id!]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain('deleted');
    const gone = await volley(['status', id!]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/not_found \(HTTP 404\)/);
  });

  it('submit without --watch prints the id; validate on the server shows carets', async () => {
    const submitted = await volley(['submit', join(ROOT, 'examples/seed-single.json')]);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout.trim()).toMatch(/^[A-Za-z0-9_-]+$/);

    const spec = example('seed-single.json');
    spec.groups.G.threshold = 'v > 0.8*mV';
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(spec, null, 2));
    const v = await volley(['validate', bad]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/groups\.G\.threshold line 1 col \d+: /);
    expect(v.stderr).toMatch(/\n {4}v > 0\.8\*mV\n {4}\s*\^~*\n/);
    const s = await volley(['submit', bad]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/groups\.G\.threshold line 1 col \d+: /);

    const good = await volley(['validate', join(ROOT, 'examples/cuba.json')]);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain(`checked by ${api.url}/`);
  });
});
