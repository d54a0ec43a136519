/**
 * GET /v1/simulations/:id/stream — the job's event log over a WebSocket.
 *
 * Each connection is a cursor on the log: it reads entries with blocking reads and forwards them
 * as JSON text frames, from `?from=SEQ` (default 1) until the final `done`/`error`, then closes.
 * Nothing is held per job: any API replica can serve any stream, and a late client replays.
 *
 * `ws` has no send backpressure of its own, so the loop watches `socket.bufferedAmount`: above the
 * high-water mark it stops reading the log until the socket drains below the low-water mark. A
 * slow client so only slows its own cursor; the log, the worker and other clients go on.
 *
 * Refusals (bad key, unknown job, bad `from`) happen after the upgrade, as a frame
 * `{error: {code, message, status}}` and a close code 4000 + HTTP status, because browsers
 * cannot read the HTTP response of a refused upgrade.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend, StreamMessage } from '@volley/worker';
import type { FastifyBaseLogger, FastifyRequest, FastifySchemaCompiler } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ApiError, apiError, isApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { ErrorEnvelopeSchema, IdParamsSchema } from '../schemas.js';
import { findOwned } from './simulations.js';

export interface StreamOptions {
  /** Pause reading the log while more than this many bytes wait in the socket (default 1 MiB). */
  highWaterMark: number;
  /** Resume once the socket has drained below this (default 256 KiB). */
  lowWaterMark: number;
  /** Log entries per read (default 256). */
  batchSize: number;
  /** How long one read waits for new entries (default 1000 ms). */
  blockMs: number;
  /** Keep-alive ping interval, so proxies do not drop quiet streams (default 25 s). */
  pingMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  highWaterMark: 1024 * 1024,
  lowWaterMark: 256 * 1024,
  batchSize: 256,
  blockMs: 1000,
  pingMs: 25_000,
};

export interface StreamRouteOptions {
  backend: Backend;
  metrics: Metrics;
  stream: StreamOptions;
  /** True once the app is closing: every loop stops. */
  isClosing: () => boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** An auth failure on a WebSocket upgrade, reported after the upgrade (see the module comment). */
    streamRefusal?: ApiError;
  }
}

const StreamQuerySchema = z.object({
  from: z.coerce.number().int().min(1).default(1).describe('first seq to send; replays from there'),
  key: z.string().optional().describe('the API key, for browsers that cannot send an Authorization header'),
});

/** The query is documented with its schema but parsed inside the handler, so a bad `from` is refused on the socket like every other refusal. */
const handlerParsesQuery: FastifySchemaCompiler<unknown> = () => (data: unknown) => ({ value: data });

const FINAL = new Set(['done', 'error']);
/** Empty reads between checks that the job still exists (and is not stuck terminal without a final entry). */
const IDLE_READS_PER_CHECK = 5;
const DRAIN_POLL_MS = 10;

function refuse(socket: WebSocket, err: ApiError): void {
  const status = err.statusCode;
  socket.send(
    JSON.stringify({
      error: {
        code: err.code,
        message: err.message,
        status,
        ...(err.details === undefined ? {} : { details: err.details }),
      },
    }),
  );
  socket.close(4000 + status, err.code);
}

class StreamSession {
  private open = true;

  constructor(
    private readonly socket: WebSocket,
    private readonly backend: Backend,
    private readonly metrics: Metrics,
    private readonly options: StreamOptions,
    private readonly isClosing: () => boolean,
    private readonly log: FastifyBaseLogger,
  ) {
    socket.on('close', () => {
      this.open = false;
    });
  }

  private get live(): boolean {
    return this.open && !this.isClosing() && this.socket.readyState === this.socket.OPEN;
  }

  /** Waits until the client has drained its backlog below the low-water mark (or has gone). */
  private async drain(): Promise<void> {
    this.metrics.streamPauses.inc();
    while (this.live && this.socket.bufferedAmount > this.options.lowWaterMark) await sleep(DRAIN_POLL_MS);
  }

  async run(id: string, from: number): Promise<void> {
    let next = from;
    let idleReads = 0;
    let terminalSeen = false;
    while (this.live) {
      if (this.socket.bufferedAmount > this.options.highWaterMark) {
        await this.drain();
        continue;
      }
      let batch: StreamMessage[];
      try {
        batch = await this.backend.readEvents(id, next, this.options.batchSize, this.options.blockMs);
      } catch (err) {
        if (!this.live) return;
        this.log.error({ err, job: id }, 'reading the event log failed');
        refuse(
          this.socket,
          apiError(
            'unavailable',
            'the event log cannot be read right now; reconnect with ?from=' + String(next),
          ),
        );
        return;
      }
      if (batch.length === 0) {
        idleReads += 1;
        if (idleReads % IDLE_READS_PER_CHECK === 0) {
          const record = await this.backend.get(id);
          if (record === null) {
            refuse(this.socket, apiError('not_found', `simulation ${id} was deleted`));
            return;
          }
          const terminal =
            record.status === 'completed' || record.status === 'failed' || record.status === 'cancelled';
          // A finished job whose log holds nothing more after a further check has nothing left to send.
          if (terminal && terminalSeen) {
            this.socket.close(1000, 'end of log');
            return;
          }
          terminalSeen = terminal;
        }
        continue;
      }
      idleReads = 0;
      for (const message of batch) {
        if (!this.live) return;
        this.socket.send(JSON.stringify(message));
        this.metrics.messagesStreamed.inc();
        if (message.type === 'spikes') this.metrics.spikesStreamed.inc(message.i.length);
        next = message.seq + 1;
        if (FINAL.has(message.type)) {
          this.socket.close(1000, message.type);
          const record = await this.backend.get(id).catch(() => null);
          if (record !== null) this.metrics.noteJob(record);
          return;
        }
        // Stop mid-batch; the rest is read again from `next` once the client has caught up.
        if (this.socket.bufferedAmount > this.options.highWaterMark) break;
      }
    }
  }
}

export const streamRoutes: FastifyPluginCallbackZod<StreamRouteOptions> = (
  app,
  { backend, metrics, stream, isClosing },
  done,
) => {
  app.route({
    method: 'GET',
    url: '/simulations/:id/stream',
    schema: {
      summary: 'Live event log (WebSocket)',
      description:
        'Upgrade to a WebSocket. Frames are JSON text, each with `seq`: `status`, `spikes`, `state`, `rate`, `progress`, and a final `done` or `error`, after which the server closes. `?from=SEQ` replays from that entry. The key may be given as `?key=`. Refusals arrive as a frame `{error: {code, message, status}}` and close code 4000 + status. A plain HTTP GET gets 426.',
      tags: ['simulations'],
      params: IdParamsSchema,
      querystring: StreamQuerySchema,
      response: { 426: ErrorEnvelopeSchema },
    },
    validatorCompiler: handlerParsesQuery,
    handler: () => {
      throw apiError('upgrade_required');
    },
    wsHandler: async (socket: WebSocket, request: FastifyRequest) => {
      metrics.wsClients.inc();
      const ping = setInterval(() => socket.ping(), stream.pingMs);
      socket.once('close', () => {
        clearInterval(ping);
        metrics.wsClients.dec();
      });
      try {
        if (request.streamRefusal !== undefined) throw request.streamRefusal;
        const { id } = request.params as { id: string };
        const query = StreamQuerySchema.safeParse(request.query);
        if (!query.success) {
          throw apiError(
            'invalid_request',
            `invalid query: ${query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        }
        await findOwned(backend, request.owner, id);
        request.log.info({ job: id, from: query.data.from }, 'stream opened');
        await new StreamSession(socket, backend, metrics, stream, isClosing, request.log).run(
          id,
          query.data.from,
        );
      } catch (err) {
        if (isApiError(err)) {
          if (socket.readyState === socket.OPEN) refuse(socket, err);
          return;
        }
        request.log.error({ err }, 'stream failed');
        if (socket.readyState === socket.OPEN) refuse(socket, apiError('internal'));
      }
    },
  });
  done();
};
