import * as z from 'zod';
import { QuantitySchema, UnitSchema } from './quantity.js';

/** Brian 2's `TimedArray`: `stim(t)` (1-D values) or `stim(t, i)` (2-D values, `[time][neuron]`). */
export const TimedArraySchema = z
  .strictObject({
    timed: z
      .strictObject({
        values: z
          .union([z.array(z.number()).min(1), z.array(z.array(z.number()).min(1)).min(1)])
          .describe('One value per time step, or a [time][neuron] matrix'),
        unit: UnitSchema,
        dt: QuantitySchema.describe('Time between two values'),
      })
      .superRefine((timed, ctx) => {
        const rows = timed.values;
        if (!isMatrix(rows)) return;
        const width = rows[0]?.length ?? 0;
        rows.forEach((row, k) => {
          if (row.length !== width) {
            ctx.addIssue({
              code: 'custom',
              path: ['values', k],
              message: `every row of a 2-D timed array needs the same length: row 0 has ${width} values, row ${k} has ${row.length}`,
              params: { code: 'length_mismatch' },
            });
          }
        });
      }),
  })
  .meta({
    id: 'TimedArray',
    description: "A TimedArray, called as name(t) or, with 2-D values, name(t, i); Brian 2's TimedArray",
  });

function isMatrix(values: number[] | number[][]): values is number[][] {
  return Array.isArray(values[0]);
}

/** An external constant: a quantity, or a timed array. */
export const ConstantSchema = z.union([QuantitySchema, TimedArraySchema]).meta({
  id: 'Constant',
  description:
    'A constant usable in every expression (may use other constants), or a timed array {"timed": {values, unit, dt}}',
});

export type TimedArray = z.infer<typeof TimedArraySchema>;
export type Constant = z.infer<typeof ConstantSchema>;
