import * as z from 'zod';

/** Brian 2 / Python identifiers: the names of groups, synapses, monitors, constants and variables. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const IDENTIFIER_RULE = 'must be an identifier: a letter or "_", then letters, digits or "_"';

/** A name of a group, synapses, monitor, constant or variable. */
export const NameSchema = z.string().regex(IDENTIFIER, { error: IDENTIFIER_RULE }).meta({
  id: 'Name',
  description: 'An identifier, [A-Za-z_][A-Za-z0-9_]*',
});

/** `P` or `P[0:3200]`. Both slice bounds are required; `stop` is exclusive, as in Python. */
const GROUP_REF = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+):(\d+)\])?$/;

/** A group, or a contiguous slice of one (a Brian 2 subgroup). */
export interface GroupRef {
  name: string;
  /** The slice, when there is one: indices `start` (inclusive) to `stop` (exclusive). */
  slice?: { start: number; stop: number };
}

/** Splits `"P[0:3200]"` into name and slice; `undefined` when the text is not a group reference. */
export function parseGroupRef(ref: string): GroupRef | undefined {
  const m = GROUP_REF.exec(ref);
  if (m === null) return undefined;
  const name = m[1] ?? '';
  if (m[2] === undefined || m[3] === undefined) return { name };
  return { name, slice: { start: Number(m[2]), stop: Number(m[3]) } };
}

/** A reference to a group (or synapses, for state and snapshot monitors), optionally sliced. */
export const GroupRefSchema = z
  .string()
  .regex(GROUP_REF, { error: 'must be a name, or a name with a slice such as "P[0:3200]"' })
  .meta({
    id: 'GroupRef',
    description: 'A group name, or a contiguous slice of one as in Brian 2: "P[0:3200]" (stop exclusive)',
  });
