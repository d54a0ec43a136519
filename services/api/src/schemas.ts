/**
 * The API's payload schemas: request validation, response serialization and the OpenAPI document
 * all come from these. Each is registered with an id so the document references it by name.
 */
import { z } from 'zod';
import { ERRORS } from './errors.js';

const register = <T extends z.ZodType>(schema: T, id: string): T => {
  if (!z.globalRegistry.has(schema)) z.globalRegistry.add(schema, { id });
  return schema;
};

export const DiagnosticSchema = register(
  z.object({
    code: z.string().describe('stable machine-readable code, e.g. unknown_identifier'),
    message: z.string(),
    path: z.string().describe('JSON path of the field, dotted: groups.G.model'),
    line: z.number().int().optional().describe('1-based line inside the field string'),
    column: z.number().int().optional().describe('1-based column inside the field string'),
    length: z.number().int().optional(),
    notes: z.array(z.string()).optional(),
  }),
  'Diagnostic',
);

const errorCodes = Object.keys(ERRORS) as [keyof typeof ERRORS, ...(keyof typeof ERRORS)[]];

export const ErrorEnvelopeSchema = register(
  z.object({
    error: z.object({
      code: z.enum(errorCodes),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  }),
  'Error',
);

export const JobStatusSchema = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

export const NetworkSizeSchema = register(
  z.object({
    neurons: z.number(),
    synapses: z.number(),
    steps: z.number(),
    recordedSamples: z.number(),
    memoryBytes: z.number(),
  }),
  'NetworkSize',
);

export const RunStatsSchema = z.object({
  steps: z.number(),
  spikes: z.number(),
  synaptic_events: z.number(),
  build_time_s: z.number(),
  wall_time_s: z.number(),
  total_time_s: z.number(),
});

const JobErrorSchema = z.object({ code: z.string(), message: z.string() });

export const LinksSchema = z.object({
  self: z.string(),
  stream: z.string().describe('WebSocket: the live event log'),
  results: z.string(),
});

export const SimulationSchema = register(
  z.object({
    id: z.string(),
    owner: z.string(),
    name: z.string().optional(),
    status: JobStatusSchema,
    createdAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    progress: z.object({ t: z.number(), fraction: z.number() }),
    seed: z.number().int(),
    size: NetworkSizeSchema,
    error: JobErrorSchema.optional(),
    stats: RunStatsSchema.optional(),
    links: LinksSchema,
  }),
  'Simulation',
);

export const SimulationListSchema = register(
  z.object({
    items: z.array(SimulationSchema),
    next: z.string().optional().describe('cursor of the next page; absent on the last page'),
  }),
  'SimulationList',
);

export const ValidateResponseSchema = register(z.object({ ok: z.literal(true), size: NetworkSizeSchema }), 'ValidateResponse');

const MonitorResultSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('spikes'), i: z.array(z.number()), t: z.array(z.number()), count: z.array(z.number()) }),
  z.object({
    type: z.literal('state'),
    t: z.array(z.number()),
    record: z.array(z.number()),
    values: z.record(z.string(), z.array(z.array(z.number()))),
  }),
  z.object({ type: z.literal('rate'), t: z.array(z.number()), rate: z.array(z.number()) }),
  z.object({
    type: z.literal('snapshot'),
    values: z.record(z.string(), z.array(z.number())),
    i: z.array(z.number()).optional(),
    j: z.array(z.number()).optional(),
  }),
]);

export const ResultsSchema = register(
  z.object({
    id: z.string(),
    seed: z.number(),
    dt: z.number(),
    duration: z.number(),
    monitors: z.record(z.string(), MonitorResultSchema),
    stats: RunStatsSchema,
  }),
  'Results',
);

/** The network spec as documented; the service checks it with the simulator's compiler, not with this. */
export const NetworkSpecDocSchema = register(
  z
    .object({
      version: z.literal(1),
      name: z.string().optional(),
      dt: z.string().optional(),
      duration: z.string(),
      seed: z.number().int().optional(),
      constants: z.record(z.string(), z.unknown()).optional(),
      groups: z.record(z.string(), z.unknown()),
      synapses: z.record(z.string(), z.unknown()).optional(),
      monitors: z.record(z.string(), z.unknown()).optional(),
    })
    .describe('A network spec v1 (see NETWORK-SPEC.md)'),
  'NetworkSpec',
);

export const IdParamsSchema = z.object({ id: z.string().describe('simulation id') });
