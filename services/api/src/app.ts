/**
 * The Fastify app: a small core (logger, JSON parser, one error handler) and plugins for the rest —
 * OpenAPI, WebSocket, metrics, health, the /v1 routes (auth + rate limit in their own scope) and
 * the static viewer. It only validates, enqueues and streams; it never simulates.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { Backend } from '@volley/worker';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyRequest,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import { createAuthenticator, authenticate, type Authenticator } from './auth.js';
import type { ApiConfig } from './config.js';
import { ApiError, apiError, isApiError } from './errors.js';
import { installJsonParser } from './json-body.js';
import { Metrics } from './metrics.js';
import { healthRoutes } from './routes/health.js';
import { simulationRoutes } from './routes/simulations.js';
import { DEFAULT_STREAM_OPTIONS, streamRoutes, type StreamOptions } from './routes/stream.js';

export interface BuildAppOptions {
  backend: Backend;
  config: ApiConfig;
  /** Rate-limit counters shared by every API replica (Redis mode); in memory when absent. */
  rateLimitRedis?: Redis;
  /** Key prefix of those counters. */
  rateLimitPrefix?: string;
  /** The viewer's static files (default: services/api/public). */
  publicDir?: string;
  /** Stream tuning: backpressure marks, batch size, blocking read time. */
  stream?: Partial<StreamOptions>;
  /** Shared with an in-process worker, so its job durations land in this app's /metrics. */
  metrics?: Metrics;
}

export const API_VERSION = '1.0.0';

const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

/** Incoming `x-request-id` values are kept when they look like ids, so requests trace across proxies. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Logged URLs never carry an API key given as `?key=`. */
function redactKey(url: string): string {
  return url.replace(/([?&]key=)[^&]*/g, '$1[redacted]');
}

/** Maps any error to the envelope's ApiError: ours as they are, Fastify's by their codes. */
function toApiError(err: FastifyError | Error, config: ApiConfig): ApiError {
  if (isApiError(err)) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v) => ({
      path: `${err.validationContext ?? ''}${v.instancePath}`,
      message: v.message ?? 'invalid',
    }));
    return apiError(
      'invalid_request',
      `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { issues },
    );
  }
  const code = (err as FastifyError).code;
  const status = (err as FastifyError).statusCode;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError(
        'payload_too_large',
        `the request body is larger than the limit of ${config.bodyLimitBytes} bytes (BODY_LIMIT_BYTES)`,
        { limit: config.bodyLimitBytes },
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiError('unsupported_media_type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiError('invalid_json', 'the request body is empty: send the network spec as JSON');
    default:
      if (status !== undefined && status >= 400 && status < 500)
        return apiError('invalid_request', err.message);
      return apiError('internal');
  }
}

interface V1Options {
  backend: Backend;
  config: ApiConfig;
  auth: Authenticator;
  metrics: Metrics;
  stream: StreamOptions;
  isClosing: () => boolean;
  rateLimitRedis?: Redis;
  rateLimitPrefix?: string;
}

const isStreamRoute = (request: FastifyRequest) => request.routeOptions.url?.endsWith('/stream') === true;

const v1Routes: FastifyPluginAsync<V1Options> = async (app, opts) => {
  const { backend, config, auth, metrics } = opts;
  app.decorateRequest('owner', '');
  app.decorateRequest('streamRefusal', undefined);

  await app.register(fastifyRateLimit, {
    // Applied by the hook below, after the key is known, rather than per route.
    global: false,
    max: config.rateLimit.max,
    timeWindow: config.rateLimit.windowMs,
    // Per key when keys are configured; per client IP in open mode (everyone is `anonymous` there) and for refused keys.
    keyGenerator: (request) =>
      auth.open || request.owner === '' ? `ip:${request.ip}` : `key:${request.owner}`,
    errorResponseBuilder: (_request, context) =>
      apiError(
        'rate_limited',
        `rate limit of ${config.rateLimit.max} requests per ${config.rateLimit.windowMs / 1000} s exceeded; retry in ${context.after}`,
        { max: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      ),
    // A rate-limit store that cannot answer lets requests through rather than failing them.
    skipOnError: true,
    ...(opts.rateLimitRedis === undefined
      ? {}
      : { redis: opts.rateLimitRedis, nameSpace: `${opts.rateLimitPrefix ?? 'volley:'}ratelimit:` }),
  });
  const rateLimit = app.rateLimit();

  // Identify the caller, count the request against its key (or IP), then refuse a bad key: so
  // guessing keys is rate limited too, and a rate-limited caller learns nothing about its key.
  app.addHook('onRequest', async (request, reply) => {
    const stream = isStreamRoute(request);
    let refusal: ApiError | undefined;
    try {
      authenticate(auth, request, stream);
    } catch (err) {
      if (!isApiError(err)) throw err;
      refusal = err;
    }
    await rateLimit.call(app, request, reply);
    if (refusal === undefined) return;
    const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket';
    if (stream && upgrade) request.streamRefusal = refusal;
    else throw refusal;
  });

  await app.register(simulationRoutes, { backend, config, metrics });
  await app.register(streamRoutes, { backend, metrics, stream: opts.stream, isClosing: opts.isClosing });
};

/** Builds the app; call `listen()` (or `inject()`) on the result. Closing it does not close the backend. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { backend, config } = options;
  const metrics = options.metrics ?? new Metrics();
  const auth = createAuthenticator(config.apiKeys);
  const stream = { ...DEFAULT_STREAM_OPTIONS, ...options.stream };
  let closing = false;

  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
      serializers: {
        req: (req: FastifyRequest) => ({
          method: req.method,
          url: redactKey(req.url),
          host: req.host,
          remoteAddress: req.ip,
        }),
      },
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installJsonParser(app);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const apiErr = toApiError(err, config);
    if (apiErr.statusCode >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: apiErr.code, status: apiErr.statusCode }, apiErr.message);
    return reply.code(apiErr.statusCode).headers(apiErr.headers).send(apiErr.toEnvelope());
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        apiError(
          'route_not_found',
          `no route ${request.method} ${redactKey(request.url).split('?')[0] ?? ''}`,
        ).toEnvelope(),
      ),
  );

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Volley',
        description:
          "Spiking neural network simulations in Brian 2's modelling language: submit a network spec, stream its spikes live over a WebSocket, fetch the results. Every error is `{error: {code, message, details?}}`.",
        version: API_VERSION,
      },
      tags: [
        { name: 'simulations', description: 'Submit, watch and fetch simulations' },
        { name: 'operations', description: 'Health and metrics' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from API_KEYS' },
        },
      },
      ...(auth.open ? {} : { security: [{ apiKey: [] }] }),
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: 64 * 1024 },
    // On shutdown, streams end with 1001 "going away", so clients reconnect (to another replica) with ?from=.
    preClose(done) {
      const server = this.websocketServer;
      for (const client of server.clients) client.close(1001, 'server shutting down');
      server.close();
      done();
    },
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(healthRoutes, { backend, metrics });
  await app.register(v1Routes, {
    prefix: '/v1',
    backend,
    config,
    auth,
    metrics,
    stream,
    isClosing: () => closing,
    ...(options.rateLimitRedis === undefined ? {} : { rateLimitRedis: options.rateLimitRedis }),
    ...(options.rateLimitPrefix === undefined ? {} : { rateLimitPrefix: options.rateLimitPrefix }),
  });

  const publicDir = options.publicDir ?? DEFAULT_PUBLIC_DIR;
  if (existsSync(publicDir)) {
    await app.register(fastifyStatic, { root: publicDir, prefix: '/' });
  } else {
    app.log.warn({ publicDir }, 'no viewer files to serve at /');
  }
  return app;
}
