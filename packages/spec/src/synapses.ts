import * as z from 'zod';
import { GroupRefSchema } from './names.js';
import { CodeSchema, ExpressionSchema, InitSchema, QuantitySchema } from './quantity.js';

const IndexSchema = z.int().min(0, { error: 'indices cannot be negative' });
const IndicesSchema = z.union([IndexSchema, z.array(IndexSchema).min(1)]);

/**
 * One `Synapses.connect` call, with Brian 2 (2.5)'s rules for combining arguments:
 *
 * - `{}`: all pairs, self-pairs included; `condition`, `p` and `n` restrict or multiply them.
 * - `{i, j}` with integer indices: explicit pairs, broadcast as numpy does (`{"i": 0, "j": [1, 2]}`
 *   is 0→1, 0→2); arrays must have equal lengths or length 1. May take `p` (keep each pair with
 *   probability p) and an integer `n`, but no `condition`.
 * - `{j: "..."}`: a generator expression over presynaptic `i` (`"i"`, `"k for k in range(i-1, i+2)"`);
 *   may take `n`, but neither `i`, `p` nor `condition`.
 */
export const ConnectSchema = z
  .strictObject({
    i: IndicesSchema.describe(
      'Presynaptic indices (with j): an index or an array of indices',
    ).exactOptional(),
    j: z
      .union([IndicesSchema, ExpressionSchema])
      .describe(
        'Postsynaptic indices (with i), or a generator expression over i: "i", "k for k in range(i-2, i+3) if k != i"',
      )
      .exactOptional(),
    p: z
      .number()
      .min(0, { error: 'p is a probability, between 0 and 1' })
      .max(1, { error: 'p is a probability, between 0 and 1' })
      .describe('Probability of creating each candidate pair')
      .exactOptional(),
    condition: ExpressionSchema.describe(
      'Which pairs to connect, e.g. "i != j", "abs(i-j) < 3"',
    ).exactOptional(),
    n: z
      .union([z.int().min(1), ExpressionSchema])
      .describe('Synapses per connected pair: an integer or an expression in i and j')
      .exactOptional(),
  })
  .superRefine((call, ctx) => {
    const issue = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message, params: { code: 'invalid_connect' } });
    };
    const generator = typeof call.j === 'string';
    if (call.condition !== undefined) {
      if (/\bfor\b/.test(call.condition)) {
        issue('condition', `a generator expression is not a condition: write {"j": "${call.condition}"}`);
      }
      if (call.i !== undefined) issue('i', 'i cannot be combined with condition');
      if (call.j !== undefined) issue('j', 'j cannot be combined with condition');
      return;
    }
    if (generator) {
      if (call.i !== undefined) issue('i', 'i cannot be combined with a generator expression for j');
      if (call.p !== undefined && call.p !== 1) {
        issue(
          'p',
          'p cannot be combined with a generator expression for j; sample inside it: "k for k in sample(N_post, p=0.1)"',
        );
      }
      return;
    }
    if (call.i !== undefined && call.j === undefined) issue('i', 'i needs j: give both, as explicit pairs');
    if (call.j !== undefined && call.i === undefined) {
      issue('j', 'j as indices needs i; for one target per source use an expression, e.g. "j": "i"');
    }
    if (call.i === undefined || call.j === undefined) return;
    if (typeof call.n === 'string') issue('n', 'n must be an integer when i and j are given as indices');
    if (Array.isArray(call.i) && Array.isArray(call.j)) {
      const [a, b] = [call.i.length, call.j.length];
      if (a !== b && a !== 1 && b !== 1) {
        issue('j', `i and j have different lengths (${a} and ${b}); pairs need equal lengths, or one index`);
      }
    }
  })
  .meta({
    id: 'Connect',
    description:
      'One Synapses.connect call: {} (all pairs), {"i": [..], "j": [..]} (explicit pairs, a scalar is broadcast), {"p": 0.02}, {"condition": "i != j", "p": 0.1}, {"j": "i"} (generator), optional n',
  });

/** Brian 2 `Synapses`. */
export const SynapsesSchema = z
  .strictObject({
    source: GroupRefSchema.describe('Presynaptic group, or a slice of one: "P[0:3200]"'),
    target: GroupRefSchema.describe('Postsynaptic group, or a slice of one'),
    model: CodeSchema.describe(
      'Synaptic equations and parameters: "w : volt"; flags (event-driven), (summed), (constant), (shared), (clock-driven)',
    ).default(''),
    on_pre: CodeSchema.describe(
      'Statements run when a presynaptic spike arrives: "v_post += w"',
    ).exactOptional(),
    on_post: CodeSchema.describe('Statements run when the postsynaptic neuron spikes').exactOptional(),
    delay: QuantitySchema.describe(
      'One delay for all synapses; per-synapse delays go in init.delay',
    ).exactOptional(),
    connect: z
      .union([ConnectSchema, z.array(ConnectSchema)])
      .describe('One connect call or a list of them, applied in order'),
    init: InitSchema.describe(
      'Initial values per synapse; may use i, j, pre/post variables and rand(): {"w": "j*0.2", "delay": "j*2*ms"}',
    ).exactOptional(),
  })
  .meta({ id: 'Synapses', description: "Connections between two groups: Brian 2's Synapses" });

export type Connect = z.infer<typeof ConnectSchema>;
export type Synapses = z.infer<typeof SynapsesSchema>;
