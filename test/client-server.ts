/**
 * Real servers for the client's whole-system tests: the built API as a child process (embedded,
 * or on the shared Redis under a unique prefix that is deleted afterwards), and a TCP proxy that
 * cuts live connections, to prove the stream resumes without gaps or duplicates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

import { redisKeys, ROOT } from './service-harness.js';

export { REDIS_URL, redisAvailable, ROOT } from './service-harness.js';

/** Prefixes of the client tests' Redis keys (the service tests have their own). */
export const uniquePrefix = (): string => `volley-client-test-${randomBytes(5).toString('hex')}`;

export interface ApiServer {
  url: string;
  port: number;
  logs: string[];
  stop(): Promise<void>;
}

/** Variables of the API and worker that must not leak from the developer's shell into a test server. */
const SCRUB = /^(REDIS_|API_KEYS|VOLLEY_|PORT$|HOST$|RATE_LIMIT_|MAX_|WORKER_|JOB_|LOG_LEVEL)/;

export async function startApi(env: Record<string, string> = {}): Promise<ApiServer> {
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUB.test(k)) base[k] = v;
  const child = spawn(process.execPath, ['services/api/dist/main.js'], {
    cwd: ROOT,
    env: { ...base, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', WORKER_CONCURRENCY: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`API did not start:\n${logs.join('\n')}`)), 20_000);
    let buffered = '';
    const onData = (d: Buffer) => {
      buffered += d.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        logs.push(line);
        const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`API exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, port, logs, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Deletes every key under `prefix:` (the Redis is shared: nothing else is touched). */
export const cleanRedis = (prefix: string): Promise<number> => redisKeys(prefix, true);
export const countRedisKeys = (prefix: string): Promise<number> => redisKeys(prefix);

/**
 * A TCP proxy in front of the API that destroys each connection once it has carried `cutAfter`
 * bytes towards the client, `cuts` times in all: a network that drops WebSockets mid-stream.
 */
export class CuttingProxy {
  cutsDone = 0;
  connections = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly targetPort: number,
    private readonly cutAfter: number,
    private cuts: number,
  ) {
    this.server = net.createServer((client) => this.handle(client));
  }

  static async start(
    targetPort: number,
    cutAfter: number,
    cuts: number,
  ): Promise<CuttingProxy & { url: string }> {
    const proxy = new CuttingProxy(targetPort, cutAfter, cuts);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.server.address() as net.AddressInfo;
    return Object.assign(proxy, { url: `http://127.0.0.1:${port}` });
  }

  private handle(client: net.Socket): void {
    this.connections++;
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    let carried = 0;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('data', (chunk: Buffer) => {
      carried += chunk.length;
      if (this.cuts > 0 && carried > this.cutAfter) {
        // Deliver part of this chunk, then drop the line mid-frame.
        this.cuts--;
        this.cutsDone++;
        client.write(chunk.subarray(0, Math.floor(chunk.length / 2)), cut);
        return;
      }
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    for (const s of [client, upstream]) {
      s.on('error', cut);
      s.on('close', () => {
        this.sockets.delete(s);
        cut();
      });
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
