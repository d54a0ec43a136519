// Helpers of test/deploy/check.sh, on plain Node (fetch) and the ioredis of a built worker folder.
//
//   node smoke.mjs redis-ping    REDIS_URL BUILT_DIR             exit 0 if Redis answers PING
//   node smoke.mjs redis-cleanup REDIS_URL BUILT_DIR PREFIX      delete every key under PREFIX:
//   node smoke.mjs run           API_URL API_KEY SPEC_FILE       the end-to-end run (below)
//
// `run`: waits for /readyz, checks auth is enforced and the viewer is served, submits the spec,
// polls the simulation until it completes, fetches its results and checks the spike count.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const [command, ...args] = process.argv.slice(2);
const log = (msg) => process.stdout.write(`[deploy-check]   ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function redisFrom(builtDir, url) {
  const { Redis } = createRequire(`${builtDir}/package.json`)('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  return redis;
}

async function redisPing(url, builtDir) {
  const redis = redisFrom(builtDir, url);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function redisCleanup(url, builtDir, prefix) {
  if (!/^[A-Za-z0-9_.-]{8,}$/.test(prefix)) throw new Error(`refusing to clean up prefix "${prefix}"`);
  const redis = redisFrom(builtDir, url);
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function request(base, path, { key, method = 'GET', body } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, type: res.headers.get('content-type') ?? '' };
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function run(base, key, specFile) {
  // 1. Ready: the API answers and its backend (Redis) too.
  const readyBy = Date.now() + 30_000;
  for (;;) {
    const res = await request(base, '/readyz').catch((err) => ({ status: 0, text: String(err) }));
    if (res.status === 200) {
      log(`/readyz: ${res.text}`);
      break;
    }
    if (Date.now() > readyBy)
      throw new Error(`/readyz not ready after 30 s (last: ${res.status} ${res.text})`);
    await sleep(250);
  }
  expect((await request(base, '/healthz')).status === 200, '/healthz is not 200');

  // 2. Auth is on (API_KEYS set) and the viewer's files were deployed.
  const anonymous = await request(base, '/v1/simulations');
  expect(
    anonymous.status === 401,
    `GET /v1/simulations without a key: expected 401, got ${anonymous.status}`,
  );
  const viewer = await request(base, '/');
  expect(
    viewer.status === 200 && viewer.type.startsWith('text/html'),
    `GET /: expected the viewer's HTML, got ${viewer.status} ${viewer.type}`,
  );
  log('auth enforced (401 without a key); viewer served at /');

  // 3. Submit.
  const spec = await readFile(specFile, 'utf8');
  const submitted = await request(base, '/v1/simulations', { key, method: 'POST', body: spec });
  expect(
    submitted.status === 202,
    `POST /v1/simulations: expected 202, got ${submitted.status} ${submitted.text}`,
  );
  const id = submitted.json.id;
  log(`submitted ${specFile.split('/').pop()} as ${id} (status ${submitted.json.status})`);

  // 4. Poll until done.
  const doneBy = Date.now() + 60_000;
  let record = submitted.json;
  while (record.status === 'queued' || record.status === 'running') {
    if (Date.now() > doneBy)
      throw new Error(`simulation ${id} still ${record.status} after 60 s: is the worker running?`);
    await sleep(200);
    const res = await request(base, `/v1/simulations/${id}`, { key });
    expect(res.status === 200, `GET /v1/simulations/${id}: ${res.status} ${res.text}`);
    record = res.json;
  }
  expect(
    record.status === 'completed',
    `simulation ${id} ended ${record.status}: ${JSON.stringify(record.error)}`,
  );
  log(`completed`);

  // 5. Results.
  const results = await request(base, `/v1/simulations/${id}/results`, { key });
  expect(results.status === 200, `GET results: ${results.status} ${results.text.slice(0, 300)}`);
  const spikes = results.json?.monitors?.spikes;
  expect(spikes?.type === 'spikes', `results have no spike monitor "spikes": ${results.text.slice(0, 300)}`);
  expect(spikes.t.length === 10 && spikes.i.length === 10, `expected 10 spikes, got ${spikes.t.length}`);
  log(`results: 10 spikes (neurons ${JSON.stringify(spikes.count)})`);
}

try {
  if (command === 'redis-ping') {
    process.exit((await redisPing(args[0], args[1])) ? 0 : 1);
  } else if (command === 'redis-cleanup') {
    const deleted = await redisCleanup(args[0], args[1], args[2]);
    log(`deleted ${deleted} Redis keys under ${args[2]}:`);
  } else if (command === 'run') {
    await run(args[0], args[1], args[2]);
  } else {
    throw new Error(`unknown command "${command}"`);
  }
} catch (err) {
  process.stderr.write(`[deploy-check] FAIL: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
