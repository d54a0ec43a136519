import * as z from 'zod';
import { ConstantSchema } from './constants.js';
import { GroupSchema, isValidSize } from './groups.js';
import { MonitorSchema } from './monitors.js';
import { NameSchema, parseGroupRef } from './names.js';
import { QuantitySchema } from './quantity.js';
import { didYouMean } from './suggest.js';
import { SynapsesSchema, type Connect } from './synapses.js';

/** The clock step used when a spec gives none. */
export const DEFAULT_DT = '0.1*ms';

/** The largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 2 ** 32 - 1;

const NetworkSpecObject = z.strictObject({
  version: z.literal(1, { error: 'unsupported spec version: this service reads version 1' }),
  name: z.string().min(1).max(200).describe('Label shown in listings').exactOptional(),
  dt: QuantitySchema.describe('The clock step of every object').default(DEFAULT_DT),
  duration: QuantitySchema.describe('Simulated time to run, e.g. "1*second"'),
  seed: z
    .int({ error: `seeds are integers from 0 to ${MAX_SEED}` })
    .min(0, { error: `seeds are integers from 0 to ${MAX_SEED}` })
    .max(MAX_SEED, { error: `seeds are integers from 0 to ${MAX_SEED}` })
    .describe('Makes the run reproducible; absent = random, and the seed used is reported')
    .exactOptional(),
  constants: z
    .record(NameSchema, ConstantSchema)
    .describe("External constants usable in every expression (Brian 2's namespace)")
    .exactOptional(),
  groups: z
    .record(NameSchema, GroupSchema)
    .refine((groups) => Object.keys(groups).length > 0, { error: 'a network needs at least one group' })
    .describe('Neuron groups and input generators, by name')
    .meta({ minProperties: 1 }),
  synapses: z.record(NameSchema, SynapsesSchema).describe('Connections, by name').exactOptional(),
  monitors: z
    .record(NameSchema, MonitorSchema)
    .describe('What is recorded and streamed, by name')
    .exactOptional(),
});

/** A parsed spec: defaults filled in (`dt`, synapse `model`, monitor `record` and `stream`). */
export type NetworkSpec = z.output<typeof NetworkSpecObject>;
/** A spec as written: what clients send. */
export type NetworkSpecInput = z.input<typeof NetworkSpecObject>;

/**
 * The network spec v1 (NETWORK-SPEC.md), including the checks that span objects: names unique
 * across groups, synapses and monitors; every reference names an object of the right kind; slices
 * and explicit indices within their group. Those checks run only once every object is well formed,
 * so a spec that passes can be compiled without re-checking them.
 */
export const NetworkSpecSchema = NetworkSpecObject.superRefine(checkReferences).meta({
  id: 'NetworkSpec',
  title: 'Volley network spec v1',
  description:
    'A spiking network in Brian 2 terms: neuron groups defined by equations, synapses, monitors (NETWORK-SPEC.md)',
});

type Path = (string | number)[];

function checkReferences(spec: NetworkSpec, ctx: z.RefinementCtx): void {
  const fail = (path: Path, code: string, message: string, notes: string[] = []): void => {
    ctx.addIssue({ code: 'custom', path, message, params: notes.length > 0 ? { code, notes } : { code } });
  };

  // What each name is, with its article: `"S" is synapses, not a group`.
  const kinds = new Map<string, string>();
  const owners = new Map<string, string>();
  const sections = [
    ['groups', 'group', 'a group', spec.groups],
    ['synapses', 'synapses', 'synapses', spec.synapses ?? {}],
    ['monitors', 'monitor', 'a monitor', spec.monitors ?? {}],
  ] as const;
  for (const [section, owner, kind, objects] of sections) {
    for (const name of Object.keys(objects)) {
      const taken = owners.get(name);
      if (taken !== undefined) {
        fail([section, name], 'duplicate_name', `name "${name}" is already used by ${taken} "${name}"`);
      } else {
        owners.set(name, owner);
        kinds.set(name, kind);
      }
    }
  }
  // With no groups every reference fails; the empty `groups` is the one error worth reporting.
  if (Object.keys(spec.groups).length === 0) return;

  const groupNames = Object.keys(spec.groups);
  const synapseNames = Object.keys(spec.synapses ?? {});

  /** Size of the referenced group or slice; undefined after reporting a bad reference. */
  const resolve = (ref: string, path: Path, synapsesAllowed: boolean): number | undefined => {
    const parsed = parseGroupRef(ref);
    if (parsed === undefined) return undefined; // the schema's pattern already reported it
    const { name, slice } = parsed;
    const group = spec.groups[name];
    if (group === undefined) {
      if (synapsesAllowed && spec.synapses?.[name] !== undefined) {
        if (slice !== undefined) fail(path, 'invalid_slice', `synapses "${name}" cannot be sliced`);
        return undefined;
      }
      const wanted = synapsesAllowed ? 'group or synapses' : 'group';
      const kind = kinds.get(name);
      const candidates = synapsesAllowed ? [...groupNames, ...synapseNames] : groupNames;
      if (kind !== undefined) {
        fail(path, 'wrong_reference', `"${name}" is ${kind}, not a ${wanted}`, didYouMean(name, candidates));
      } else {
        fail(path, 'unknown_reference', `unknown ${wanted} "${name}"`, didYouMean(name, candidates));
      }
      return undefined;
    }
    if (!isValidSize(group.N)) return undefined;
    if (slice === undefined) return group.N;
    if (slice.start >= slice.stop || slice.stop > group.N) {
      fail(
        path,
        'invalid_slice',
        slice.start >= slice.stop
          ? `slice [${slice.start}:${slice.stop}] is empty`
          : `slice [${slice.start}:${slice.stop}] is outside group "${name}" (N = ${group.N})`,
      );
      return undefined;
    }
    return slice.stop - slice.start;
  };

  const checkIndices = (
    indices: number | number[] | undefined,
    size: number,
    path: Path,
    ref: string,
  ): void => {
    if (indices === undefined) return;
    const list = typeof indices === 'number' ? [indices] : indices;
    list.forEach((index, k) => {
      if (index >= size) {
        fail(
          typeof indices === 'number' ? path : [...path, k],
          'index_out_of_range',
          `index ${index} is out of range: "${ref}" has ${size} elements (0 to ${size - 1})`,
        );
      }
    });
  };

  for (const [name, synapses] of Object.entries(spec.synapses ?? {})) {
    const base = ['synapses', name];
    const sourceSize = resolve(synapses.source, [...base, 'source'], false);
    const targetSize = resolve(synapses.target, [...base, 'target'], false);
    const calls: [Connect, Path][] = Array.isArray(synapses.connect)
      ? synapses.connect.map((call, k) => [call, [...base, 'connect', k]])
      : [[synapses.connect, [...base, 'connect']]];
    for (const [call, path] of calls) {
      if (sourceSize !== undefined) checkIndices(call.i, sourceSize, [...path, 'i'], synapses.source);
      if (targetSize !== undefined && typeof call.j !== 'string') {
        checkIndices(call.j, targetSize, [...path, 'j'], synapses.target);
      }
    }
  }

  for (const [name, monitor] of Object.entries(spec.monitors ?? {})) {
    const base = ['monitors', name];
    const synapsesAllowed = monitor.type === 'state' || monitor.type === 'snapshot';
    const size = resolve(monitor.source, [...base, 'source'], synapsesAllowed);
    if (size === undefined) continue;
    if ((monitor.type === 'spikes' || monitor.type === 'state') && Array.isArray(monitor.record)) {
      checkIndices(monitor.record, size, [...base, 'record'], monitor.source);
    }
  }
}
