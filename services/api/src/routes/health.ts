/** Liveness, readiness and Prometheus metrics: unauthenticated, not rate limited. */
import type { Backend } from '@volley/worker';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { ErrorEnvelopeSchema } from '../schemas.js';

export interface HealthRoutesOptions {
  backend: Backend;
  metrics: Metrics;
}

/** A readiness probe that hangs is worse than one that fails. */
const READY_TIMEOUT_MS = 2000;

async function ready(backend: Backend): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([backend.ready().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginCallbackZod<HealthRoutesOptions> = (
  app,
  { backend, metrics },
  done,
) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is serving',
        tags: ['operations'],
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    () => ({ ok: true as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: the backend (Redis, or the embedded store) answers',
        tags: ['operations'],
        response: { 200: z.object({ ok: z.literal(true), backend: z.string() }), 503: ErrorEnvelopeSchema },
      },
    },
    async () => {
      if (!(await ready(backend)))
        throw apiError('unavailable', `the ${backend.kind} backend is not answering`);
      return { ok: true as const, backend: backend.kind };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['operations'],
        produces: ['text/plain'],
      },
    },
    async (request, reply) => {
      if (!(await metrics.refreshJobs(backend)))
        request.log.warn('backend counts unavailable; job gauges are stale');
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
  done();
};
