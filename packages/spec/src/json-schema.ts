import * as z from 'zod';
import { NetworkSpecSchema } from './network.js';

/**
 * JSON Schema (draft 2020-12) of the network spec as users write it: fields with defaults are
 * optional. Named sub-schemas (Quantity, Group, Connect, Monitor, …) are in `$defs`. Checks that
 * span objects (unique names, references, index ranges, Brian 2's connect rules) are not
 * expressible in JSON Schema; `parseNetworkSpec` applies them.
 */
export function networkSpecJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(NetworkSpecSchema, { target: 'draft-2020-12', io: 'input' });
  // zod puts a root that has an id into $defs and points at it; editors and `properties`-reading
  // tools want the root inline, so hoist it (nothing else refers to it: the spec is not recursive).
  const { $schema, $ref, $defs = {}, ...rest } = generated;
  const { NetworkSpec: root, ...defs } = $defs;
  if ($ref !== '#/$defs/NetworkSpec' || root === undefined || typeof root !== 'object') {
    return generated;
  }
  return { $schema, ...rest, ...root, $defs: defs };
}
