import * as z from 'zod';
import {
  CodeSchema,
  ExpressionSchema,
  InitSchema,
  QuantitySchema,
  ValuesWithUnitSchema,
} from './quantity.js';

/** Number of elements of a group. */
const SizeSchema = z
  .int()
  .min(1, { error: 'must be at least 1' })
  .max(2 ** 31 - 1, { error: 'must be below 2^31 (neuron indices are 32-bit integers)' })
  .describe('Number of neurons');

/**
 * Whether N passed its own check. Refinements still run after a failed `min` check; checks that
 * compare against N skip an invalid one rather than pile up follow-on errors.
 */
export const isValidSize = (n: number): boolean => Number.isInteger(n) && n >= 1;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * Integration methods. `linear` is Brian 2's alias of `exact`; absent means "choose like Brian 2":
 * exact if linear, else exponential_euler if conditionally linear, else rk4 (euler/heun with noise).
 */
export const IntegrationMethodSchema = z
  .enum(['exact', 'linear', 'euler', 'rk2', 'rk4', 'exponential_euler', 'heun'], {
    error: 'unknown method: expected exact, linear, euler, rk2, rk4, exponential_euler or heun',
  })
  .meta({
    id: 'IntegrationMethod',
    description:
      'State updater: exact (alias linear) for linear equations, euler, rk2, rk4, exponential_euler, heun (stochastic)',
  });

/** Brian 2 `NeuronGroup`. */
export const NeuronGroupSchema = z
  .strictObject({
    type: z.literal('neurons'),
    N: SizeSchema,
    model: CodeSchema.describe(
      'Equations, one per line: "dv/dt = (I-v)/tau : volt (unless refractory)", "I = g*(E-v) : amp", "tau : second"',
    ),
    threshold: ExpressionSchema.describe('Spike condition, e.g. "v > -50*mV"').exactOptional(),
    reset: CodeSchema.describe('Statements run for neurons that spiked, e.g. "v = -65*mV"').exactOptional(),
    refractory: ExpressionSchema.describe(
      'Refractory period (a time, "5*ms") or a condition that holds while refractory',
    ).exactOptional(),
    method: IntegrationMethodSchema.exactOptional(),
    init: InitSchema.exactOptional(),
  })
  .superRefine((group, ctx) => {
    if (!isValidSize(group.N)) return;
    for (const [variable, value] of Object.entries(group.init ?? {})) {
      const length = Array.isArray(value)
        ? value.length
        : typeof value === 'object'
          ? value.values.length
          : undefined;
      if (length !== undefined && length !== group.N) {
        ctx.addIssue({
          code: 'custom',
          path: Array.isArray(value) ? ['init', variable] : ['init', variable, 'values'],
          message: `needs one value per neuron: N is ${group.N}, got ${plural(length, 'value')}`,
          params: { code: 'length_mismatch' },
        });
      }
    }
  })
  .meta({ id: 'NeuronGroup', description: "Neurons defined by equations: Brian 2's NeuronGroup" });

/** Brian 2 `PoissonGroup`. */
export const PoissonGroupSchema = z
  .strictObject({
    type: z.literal('poisson'),
    N: SizeSchema,
    rates: QuantitySchema.describe('Firing rate, may depend on i and t: "20*Hz", "(10 + i)*Hz"'),
  })
  .meta({ id: 'PoissonGroup', description: "Independent Poisson spike sources: Brian 2's PoissonGroup" });

/** Brian 2 `SpikeGeneratorGroup`: spike `k` is neuron `indices[k]` at `times[k]`. */
export const SpikeGeneratorGroupSchema = z
  .strictObject({
    type: z.literal('spikes'),
    N: SizeSchema,
    indices: z.array(z.int().min(0)).describe('Neuron index of each spike'),
    times: z
      .union([ValuesWithUnitSchema, z.array(ExpressionSchema)])
      .describe('Time of each spike: {"values": [1, 5], "unit": "ms"} or ["1*ms", "5*ms"]'),
    period: QuantitySchema.describe('Repeat the pattern with this period').exactOptional(),
  })
  .superRefine((group, ctx) => {
    group.indices.forEach((index, k) => {
      if (isValidSize(group.N) && index >= group.N) {
        ctx.addIssue({
          code: 'custom',
          path: ['indices', k],
          message: `index ${index} is out of range: N is ${group.N} (0 to ${group.N - 1})`,
          params: { code: 'index_out_of_range' },
        });
      }
    });
    const times = Array.isArray(group.times) ? group.times : group.times.values;
    if (times.length !== group.indices.length) {
      ctx.addIssue({
        code: 'custom',
        path: Array.isArray(group.times) ? ['times'] : ['times', 'values'],
        message: `needs one time per spike: ${plural(group.indices.length, 'index', 'indices')}, ${plural(times.length, 'time')}`,
        params: { code: 'length_mismatch' },
      });
    }
    if (!Array.isArray(group.times)) {
      group.times.values.forEach((time, k) => {
        if (time < 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['times', 'values', k],
            message: `spike times cannot be negative (got ${time})`,
            params: { code: 'out_of_range' },
          });
        }
      });
    }
  })
  .meta({ id: 'SpikeGeneratorGroup', description: "Spikes at given times: Brian 2's SpikeGeneratorGroup" });

/** Any group, by `type`. */
export const GroupSchema = z
  .discriminatedUnion('type', [NeuronGroupSchema, PoissonGroupSchema, SpikeGeneratorGroupSchema])
  .meta({ id: 'Group', description: 'A neuron group or an input generator, by type' });

export type IntegrationMethod = z.infer<typeof IntegrationMethodSchema>;
export type NeuronGroup = z.infer<typeof NeuronGroupSchema>;
export type PoissonGroup = z.infer<typeof PoissonGroupSchema>;
export type SpikeGeneratorGroup = z.infer<typeof SpikeGeneratorGroupSchema>;
export type Group = z.infer<typeof GroupSchema>;
