// The images' HEALTHCHECK: `node healthcheck.mjs api` or `node healthcheck.mjs worker`, run from a
// folder made by docker/build.sh (so `ioredis` resolves from its node_modules). Exit 0 = healthy.
//
// - api: GET /healthz on this container's PORT (liveness: the process serves HTTP). Readiness
//   (Redis reachable) is /readyz, for load balancers; a Redis outage should not restart the API.
// - worker: the worker has no HTTP port; it is healthy while the Redis it takes jobs from answers
//   PING from here (its own process is PID 1: if it exits, the container stops anyway).
const TIMEOUT_MS = 3000;
const role = process.argv[2];

function fail(message) {
  process.stderr.write(`unhealthy: ${message}\n`);
  process.exit(1);
}

async function checkApi() {
  const port = process.env.PORT || '3000';
  const url = `http://127.0.0.1:${port}/healthz`;
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (res.status !== 200) fail(`${url} answered ${res.status}`);
}

async function checkWorker() {
  const url = process.env.REDIS_URL;
  if (!url) fail('REDIS_URL is not set');
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const reply = await redis.ping();
    if (reply !== 'PONG') fail(`Redis answered ${reply} to PING`);
  } finally {
    redis.disconnect();
  }
}

const checks = { api: checkApi, worker: checkWorker };
if (!Object.hasOwn(checks, role)) fail('usage: node healthcheck.mjs api|worker');
try {
  await checks[role]();
  process.exit(0);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
