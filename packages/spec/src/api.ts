/**
 * Payloads of the HTTP API and the live stream. Response schemas are plain (non-strict) objects:
 * unknown keys are stripped, so servers may hold extra fields and clients stay forward compatible.
 */
import * as z from 'zod';
import { MAX_SEED } from './network.js';

const Count = z.int().min(0);
const Seconds = z.number().min(0);
const Index = z.int().min(0);
/** A recorded value; `null` stands for NaN or ±Infinity, which JSON cannot carry. */
const Sample = z.number().nullable();

/** One problem in a spec, located as precisely as possible. */
export const DiagnosticSchema = z
  .object({
    code: z.string().describe('Stable machine-readable code, e.g. unknown_identifier, dimension_mismatch'),
    message: z.string().describe('What is wrong, e.g. "cannot add volt and second"'),
    path: z.string().describe('Dotted JSON path of the field, e.g. groups.G.model ("" for the whole spec)'),
    line: z.int().min(1).describe("1-based line inside the field's string").exactOptional(),
    column: z.int().min(1).describe("1-based column inside the field's string").exactOptional(),
    length: z.int().min(0).describe('Length of the offending text').exactOptional(),
    notes: z.array(z.string()).describe('Hints, e.g. did you mean "tau"?').exactOptional(),
  })
  .meta({ id: 'Diagnostic', description: 'One problem in a spec' });

/** The one error envelope of the API. */
export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable machine-readable code, e.g. invalid_spec, not_found, rate_limited'),
      message: z.string(),
      details: z
        .looseObject({
          diagnostics: z
            .array(DiagnosticSchema)
            .describe('Problems found in a submitted spec')
            .exactOptional(),
        })
        .describe('Structured details; diagnostics for an invalid spec')
        .exactOptional(),
    }),
  })
  .meta({ id: 'ErrorEnvelope', description: 'Every error response: {error: {code, message, details?}}' });

export const JobStatusSchema = z
  .enum(['queued', 'running', 'completed', 'failed', 'cancelled'])
  .meta({ id: 'JobStatus', description: 'Lifecycle of a simulation job' });

/** Why a job failed or was cancelled. */
export const JobErrorSchema = z
  .object({ code: z.string(), message: z.string() })
  .meta({ id: 'JobError', description: 'Why a job failed or was cancelled' });

/** Sizes checked against the service's limits before a job is queued. */
export const NetworkSizeSchema = z
  .object({
    neurons: Count,
    synapses: z
      .number()
      .min(0)
      .describe('Exact for explicit connectivity, the expected value for probabilistic connect calls'),
    steps: Count,
    recordedSamples: z.number().min(0).describe('Samples monitors will store (spikes estimated at 100 Hz)'),
    memoryBytes: z.number().min(0).describe('Rough peak memory of the run'),
  })
  .meta({ id: 'NetworkSize', description: 'Size of a compiled network' });

export const RunStatsSchema = z
  .object({
    steps: Count,
    spikes: Count,
    synaptic_events: Count,
    build_time_s: Seconds.describe('Parsing, compiling and building synapses'),
    wall_time_s: Seconds.describe('The simulation loop alone'),
    total_time_s: Seconds.describe('Build, loop and writing the results'),
  })
  .meta({ id: 'RunStats', description: 'Counts and timings of a finished run' });

const Timestamp = z.iso.datetime();

/** A simulation job, as the API reports it. */
export const SimulationSchema = z
  .object({
    id: z.string(),
    name: z.string().exactOptional(),
    status: JobStatusSchema,
    createdAt: Timestamp,
    startedAt: Timestamp.exactOptional(),
    finishedAt: Timestamp.exactOptional(),
    progress: z.object({
      t: Seconds.describe('Simulated time reached, seconds'),
      fraction: z.number().min(0).max(1),
    }),
    seed: z.int().min(0).max(MAX_SEED),
    size: NetworkSizeSchema,
    error: JobErrorSchema.exactOptional(),
    stats: RunStatsSchema.exactOptional(),
    links: z.object({
      self: z.string(),
      stream: z.string().describe('WebSocket of the live stream'),
      results: z.string(),
    }),
  })
  .meta({ id: 'Simulation', description: 'A simulation job' });

export const SimulationListSchema = z
  .object({
    items: z.array(SimulationSchema).describe('Newest first'),
    next: z.string().describe('Cursor of the next page; absent on the last page').exactOptional(),
  })
  .meta({ id: 'SimulationList', description: 'One page of simulation jobs' });

export const ValidateResponseSchema = z
  .object({ ok: z.literal(true), size: NetworkSizeSchema })
  .meta({ id: 'ValidateResponse', description: 'The spec compiles; its size' });

const SpikesFields = {
  i: z.array(Index).describe('Neuron index of each spike, relative to the source'),
  t: z.array(z.number()).describe('Time of each spike, seconds'),
};
const StateFields = {
  t: z.array(z.number()).describe('Sample times, seconds'),
  record: z.array(Index).describe('Recorded indices'),
  values: z
    .record(z.string(), z.array(z.array(Sample)))
    .describe('Per variable, one trace per recorded index'),
};
const RateFields = {
  t: z.array(z.number()).describe('Bin starts, seconds'),
  rate: z.array(z.number()).describe('Population rate per bin, Hz'),
};

export const MonitorResultSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('spikes'),
      ...SpikesFields,
      count: z.array(Count).describe('Spikes per neuron of the source'),
    }),
    z.object({ type: z.literal('state'), ...StateFields }),
    z.object({ type: z.literal('rate'), ...RateFields }),
    z.object({
      type: z.literal('snapshot'),
      values: z.record(z.string(), z.array(Sample)).describe('Per variable, one value per element'),
      i: z.array(Index).describe('Presynaptic index of each synapse (synapse sources only)').exactOptional(),
      j: z.array(Index).describe('Postsynaptic index of each synapse (synapse sources only)').exactOptional(),
    }),
  ])
  .meta({ id: 'MonitorResult', description: "One monitor's recordings, in SI units" });

/** The results document of NETWORK-SPEC.md ("Results"); everything in SI units. */
export const ResultsSchema = z
  .object({
    id: z.string(),
    seed: z.int().min(0).max(MAX_SEED),
    dt: z.number().describe('Clock step, seconds'),
    duration: z.number().describe('Simulated time, seconds'),
    monitors: z.record(z.string(), MonitorResultSchema),
    stats: RunStatsSchema,
  })
  .meta({ id: 'Results', description: 'Everything the monitors recorded, in SI units' });

const SpikesEvent = z.object({ type: z.literal('spikes'), monitor: z.string(), ...SpikesFields });
const StateEvent = z.object({ type: z.literal('state'), monitor: z.string(), ...StateFields });
const RateEvent = z.object({ type: z.literal('rate'), monitor: z.string(), ...RateFields });
const ProgressEvent = z.object({
  type: z.literal('progress'),
  t: Seconds.describe('Simulated time reached, seconds'),
  fraction: z.number().min(0).max(1),
  step: Count.describe('Steps done'),
  steps: Count.describe('Steps in the whole run'),
});

/** Events of a chunk of simulated time, as the simulator produces them (no `seq` yet). */
export const StreamEventSchema = z
  .discriminatedUnion('type', [SpikesEvent, StateEvent, RateEvent, ProgressEvent])
  .meta({ id: 'StreamEvent', description: 'Live data of one chunk of simulated time' });

const Seq = {
  seq: z.int().min(1).describe("Position in the job's event log: from 1, no gaps; resume with ?from=seq"),
};

/** One message of the live stream (a WebSocket JSON text frame). */
export const StreamMessageSchema = z
  .discriminatedUnion('type', [
    z.object({
      ...Seq,
      type: z.literal('status'),
      status: JobStatusSchema,
      error: JobErrorSchema.exactOptional(),
    }),
    SpikesEvent.extend(Seq),
    StateEvent.extend(Seq),
    RateEvent.extend(Seq),
    ProgressEvent.extend(Seq),
    z.object({ ...Seq, type: z.literal('done'), status: z.literal('completed'), stats: RunStatsSchema }),
    z.object({
      ...Seq,
      type: z.literal('error'),
      status: z.enum(['failed', 'cancelled']),
      error: JobErrorSchema,
    }),
  ])
  .meta({ id: 'StreamMessage', description: 'One message of the live stream, in log order' });

export type Diagnostic = z.infer<typeof DiagnosticSchema>;
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
export type JobStatus = z.infer<typeof JobStatusSchema>;
export type JobError = z.infer<typeof JobErrorSchema>;
export type NetworkSize = z.infer<typeof NetworkSizeSchema>;
export type RunStats = z.infer<typeof RunStatsSchema>;
export type Simulation = z.infer<typeof SimulationSchema>;
export type SimulationList = z.infer<typeof SimulationListSchema>;
export type ValidateResponse = z.infer<typeof ValidateResponseSchema>;
export type MonitorResult = z.infer<typeof MonitorResultSchema>;
export type Results = z.infer<typeof ResultsSchema>;
export type StreamEvent = z.infer<typeof StreamEventSchema>;
export type StreamMessage = z.infer<typeof StreamMessageSchema>;
