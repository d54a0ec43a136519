import * as z from 'zod';
import { GroupRefSchema, NameSchema } from './names.js';
import { QuantitySchema } from './quantity.js';

const IndexListSchema = z.array(z.int().min(0, { error: 'indices cannot be negative' }));

const VariablesSchema = z
  .array(NameSchema)
  .min(1, { error: 'list at least one variable' })
  .superRefine((variables, ctx) => {
    const seen = new Set<string>();
    variables.forEach((variable, k) => {
      if (seen.has(variable)) {
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `variable "${variable}" is listed twice`,
          params: { code: 'duplicate_variable' },
        });
      }
      seen.add(variable);
    });
  })
  .describe('Variables to record, e.g. ["v", "I"]');

/** Brian 2 `SpikeMonitor`. */
export const SpikeMonitorSchema = z
  .strictObject({
    type: z.literal('spikes'),
    source: GroupRefSchema.describe('A group, or a slice of one: "P[0:100]"'),
    record: z
      .union([z.boolean(), IndexListSchema])
      .describe(
        'true: record every spike (i, t); false: counts only; indices: record only these neurons (counts stay per neuron of the source)',
      )
      .default(true),
    stream: z.boolean().describe('Stream spikes live (default true)').default(true),
  })
  .meta({ id: 'SpikeMonitor', description: "Records spike indices and times: Brian 2's SpikeMonitor" });

/** Brian 2 `StateMonitor`. */
export const StateMonitorSchema = z
  .strictObject({
    type: z.literal('state'),
    source: GroupRefSchema.describe('A group, a slice of one, or synapses'),
    variables: VariablesSchema,
    record: z
      .union([z.literal(true), IndexListSchema.min(1, { error: 'list at least one index, or use true' })])
      .describe('true: every neuron (or synapse); or the indices to record')
      .default(true),
    dt: QuantitySchema.describe('Sampling interval, a multiple of the clock dt (default dt)').exactOptional(),
    stream: z.boolean().describe('Stream samples live (default false)').default(false),
  })
  .meta({ id: 'StateMonitor', description: "Records variables over time: Brian 2's StateMonitor" });

/** Brian 2 `PopulationRateMonitor`, binned. */
export const RateMonitorSchema = z
  .strictObject({
    type: z.literal('rate'),
    source: GroupRefSchema.describe('A group, or a slice of one'),
    bin: QuantitySchema.describe('Bin width, a time (default dt)').exactOptional(),
    stream: z.boolean().describe('Stream rates live (default false)').default(false),
  })
  .meta({ id: 'RateMonitor', description: "Population rate in Hz per bin: Brian 2's PopulationRateMonitor" });

/** Values at the end of the run. */
export const SnapshotMonitorSchema = z
  .strictObject({
    type: z.literal('snapshot'),
    source: GroupRefSchema.describe('A group, a slice of one, or synapses'),
    variables: VariablesSchema,
  })
  .meta({
    id: 'SnapshotMonitor',
    description: 'Variables at the end of the run (e.g. learned weights); for synapses also i and j',
  });

/** Any monitor, by `type`. */
export const MonitorSchema = z
  .discriminatedUnion('type', [
    SpikeMonitorSchema,
    StateMonitorSchema,
    RateMonitorSchema,
    SnapshotMonitorSchema,
  ])
  .meta({ id: 'Monitor', description: 'What is recorded and streamed, by type' });

export type SpikeMonitor = z.infer<typeof SpikeMonitorSchema>;
export type StateMonitor = z.infer<typeof StateMonitorSchema>;
export type RateMonitor = z.infer<typeof RateMonitorSchema>;
export type SnapshotMonitor = z.infer<typeof SnapshotMonitorSchema>;
export type Monitor = z.infer<typeof MonitorSchema>;
