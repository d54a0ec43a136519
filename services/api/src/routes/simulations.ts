/**
 * /v1/simulations: submit, validate, list, read, fetch results, cancel/delete. Every lookup is
 * scoped to `request.owner`: another key's job is indistinguishable from a missing one (404).
 */
import { randomUUID } from 'node:crypto';
import type { Backend, JobRecord } from '@volley/worker';
import type { FastifySchemaCompiler } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { admit } from '../admission.js';
import type { ApiConfig } from '../config.js';
import { apiError, isApiError } from '../errors.js';
import { jsonStream } from '../json-stream.js';
import type { Metrics } from '../metrics.js';
import {
  ErrorEnvelopeSchema,
  IdParamsSchema,
  NetworkSpecSchema,
  ResultsSchema,
  SimulationListSchema,
  SimulationSchema,
  ValidateResponseSchema,
} from '../schemas.js';

export interface SimulationRoutesOptions {
  backend: Backend;
  config: ApiConfig;
  metrics: Metrics;
}

/** Ids the backends generate and accept; anything else cannot name a job. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Seconds a client capped by MAX_ACTIVE_JOBS_PER_KEY is told to wait before trying again. */
const ACTIVE_CAP_RETRY_AFTER_S = 5;

export function simulationLinks(id: string) {
  const self = `/v1/simulations/${encodeURIComponent(id)}`;
  return { self, stream: `${self}/stream`, results: `${self}/results` };
}

export function present(record: JobRecord) {
  return { ...record, links: simulationLinks(record.id) };
}

/** The spec body is documented with its schema but checked by the simulator's compiler, which reports every mistake with line and column. */
const compilerChecksBody: FastifySchemaCompiler<unknown> = () => (data: unknown) => ({ value: data });

/** The owner's job, or 404 `not_found` for a missing one and for another key's alike. */
export async function findOwned(backend: Backend, owner: string, id: string): Promise<JobRecord> {
  const record = ID_PATTERN.test(id) ? await backend.get(id) : null;
  if (record === null || record.owner !== owner) throw apiError('not_found', `no simulation with id "${id}"`);
  return record;
}

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorEnvelopeSchema]));

export const simulationRoutes: FastifyPluginCallbackZod<SimulationRoutesOptions> = (
  app,
  { backend, config, metrics },
  done,
) => {
  const admitOrCount = (body: unknown, fillSeed: boolean) => {
    try {
      return admit(body, config.limits, { fillSeed });
    } catch (err) {
      if (isApiError(err)) metrics.specsRejected.inc({ code: err.code });
      throw err;
    }
  };

  app.post(
    '/simulations',
    {
      schema: {
        summary: 'Submit a simulation',
        description:
          'Compiles the spec (a 400 `invalid_spec` lists every diagnostic with path, line and column), checks its size against the limits (422), then queues it. A spec without `seed` gets a random one, reported in the record.',
        tags: ['simulations'],
        body: NetworkSpecSchema,
        response: { 202: SimulationSchema, ...errors(400, 401, 413, 415, 422, 429) },
      },
      validatorCompiler: compilerChecksBody,
    },
    async (request, reply) => {
      const { spec, program } = admitOrCount(request.body, true);
      const active = await backend.countActive(request.owner);
      if (active >= config.maxActiveJobsPerKey) {
        throw apiError(
          'too_many_active_jobs',
          `this key already has ${active} queued or running simulations (MAX_ACTIVE_JOBS_PER_KEY = ${config.maxActiveJobsPerKey}); wait for one to finish or cancel one`,
          { active, max: config.maxActiveJobsPerKey },
          { 'retry-after': String(ACTIVE_CAP_RETRY_AFTER_S) },
        );
      }
      const name = (spec as { name?: unknown }).name;
      const record = await backend.submit({
        id: randomUUID(),
        owner: request.owner,
        ...(typeof name === 'string' ? { name } : {}),
        spec,
        seed: program.seed,
        size: program.size,
      });
      metrics.jobsSubmitted.inc();
      request.log.info({ job: record.id, seed: record.seed, size: record.size }, 'simulation queued');
      const body = present(record);
      return reply.code(202).header('location', body.links.self).send(body);
    },
  );

  const validateSchema = {
    summary: 'Validate a spec without running it',
    description:
      'The same checks as submitting: 200 with the network size, 400 `invalid_spec` with diagnostics, or 422 `limit_exceeded`.',
    tags: ['simulations'],
    body: NetworkSpecSchema,
    response: { 200: ValidateResponseSchema, ...errors(400, 401, 413, 415, 422, 429) },
  };
  const validate = (request: { body: unknown }) => {
    const { program } = admitOrCount(request.body, false);
    return { ok: true as const, size: program.size };
  };
  // `::` is find-my-way's escape for a literal colon: the route is `/v1/simulations:validate`.
  app.post(
    '/simulations::validate',
    { schema: validateSchema, validatorCompiler: compilerChecksBody },
    validate,
  );
  app.post('/validate', { schema: validateSchema, validatorCompiler: compilerChecksBody }, validate);

  app.get(
    '/simulations',
    {
      schema: {
        summary: "List the caller's simulations, newest first",
        tags: ['simulations'],
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(20),
          cursor: z.string().min(1).max(512).optional().describe('the `next` of the previous page'),
        }),
        response: { 200: SimulationListSchema, ...errors(400, 401, 429) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await backend.list(request.owner, { limit, ...(cursor === undefined ? {} : { cursor }) });
      for (const record of page.items) metrics.noteJob(record);
      return { items: page.items.map(present), ...(page.next === undefined ? {} : { next: page.next }) };
    },
  );

  app.get(
    '/simulations/:id',
    {
      schema: {
        summary: 'A simulation record: status, progress, seed, size, stats',
        tags: ['simulations'],
        params: IdParamsSchema,
        response: { 200: SimulationSchema, ...errors(401, 404, 429) },
      },
    },
    async (request) => {
      const record = await findOwned(backend, request.owner, request.params.id);
      metrics.noteJob(record);
      return present(record);
    },
  );

  app.get(
    '/simulations/:id/results',
    {
      schema: {
        summary: 'The results document',
        description:
          'Streamed as JSON, monitor by monitor. `?monitors=a,b` keeps only those monitors. 409 `not_ready` until the simulation has completed.',
        tags: ['simulations'],
        params: IdParamsSchema,
        querystring: z.object({
          monitors: z.string().optional().describe('comma-separated monitor names'),
        }),
        response: { 200: ResultsSchema, ...errors(400, 401, 404, 409, 410, 429) },
      },
    },
    async (request, reply) => {
      const record = await findOwned(backend, request.owner, request.params.id);
      metrics.noteJob(record);
      if (record.status !== 'completed') {
        const why =
          record.status === 'failed' || record.status === 'cancelled'
            ? `simulation ${record.id} is ${record.status}${record.error === undefined ? '' : `: ${record.error.message}`}; it has no results`
            : `simulation ${record.id} is ${record.status}; results are available once it has completed`;
        throw apiError('not_ready', why, { status: record.status });
      }
      const results = await backend.getResults(record.id);
      if (results === null)
        throw apiError(
          'results_expired',
          `the results of simulation ${record.id} have expired or were deleted`,
        );
      let document = results;
      const wanted = request.query.monitors
        ?.split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '');
      if (wanted !== undefined && wanted.length > 0) {
        const unknown = wanted.filter((m) => !Object.hasOwn(results.monitors, m));
        if (unknown.length > 0) {
          throw apiError(
            'unknown_monitor',
            `no monitor named ${unknown.map((m) => `"${m}"`).join(', ')} in this simulation`,
            {
              unknown,
              available: Object.keys(results.monitors),
            },
          );
        }
        document = {
          ...results,
          monitors: Object.fromEntries(
            wanted.map((m) => [m, results.monitors[m]]),
          ) as typeof results.monitors,
        };
      }
      // Fastify pipes a stream as it is, without the serializer; the schema above documents what it carries.
      return reply
        .type('application/json; charset=utf-8')
        .send(jsonStream(document) as unknown as typeof document);
    },
  );

  app.delete(
    '/simulations/:id',
    {
      schema: {
        summary: 'Cancel a queued or running simulation, or delete a finished one',
        description:
          '200 with the cancelled record, or 204 once a finished simulation, its event log and its results are deleted.',
        tags: ['simulations'],
        params: IdParamsSchema,
        response: { 200: SimulationSchema, 204: z.null().describe('deleted'), ...errors(401, 404, 429) },
      },
    },
    async (request, reply) => {
      const record = await findOwned(backend, request.owner, request.params.id);
      if (record.status === 'queued' || record.status === 'running') {
        const cancelled = await backend.cancel(record.id);
        if (cancelled === null) throw apiError('not_found', `no simulation with id "${record.id}"`);
        request.log.info({ job: record.id, status: cancelled.status }, 'simulation cancelled');
        return reply.code(200).send(present(cancelled));
      }
      await backend.remove(record.id);
      request.log.info({ job: record.id }, 'simulation deleted');
      return reply.code(204).send(null);
    },
  );
  done();
};
