import * as z from 'zod';
import { NameSchema } from './names.js';

/** A non-blank expression string; parsed and unit-checked by the compiler, never evaluated here. */
export const ExpressionSchema = z.string().regex(/\S/, { error: 'must not be empty' }).meta({
  id: 'Expression',
  description: 'An expression in Brian 2 syntax, with units: "10*ms", "v > -50*mV", "(10 + i)*Hz"',
});

/** Multi-line code (equations or statements); may be empty. */
export const CodeSchema = z.string().meta({
  id: 'Code',
  description: 'Brian 2 code: one equation or statement per line (or separated by ";"); "#" starts a comment',
});

/** A quantity: an expression with units, or a bare number (dimensionless only). */
export const QuantitySchema = z.union([ExpressionSchema, z.number()]).meta({
  id: 'Quantity',
  description:
    'An expression with units such as "10*ms" or "-65*mV", or a JSON number for a dimensionless value',
});

/** A unit expression such as `mV`, `nA`, `umetre**2` or `1`. */
export const UnitSchema = z.string().regex(/\S/, { error: 'must not be empty' }).meta({
  id: 'Unit',
  description: 'A unit expression: "ms", "mV", "nA", "umetre**2", or "1" for dimensionless values',
});

/** An array of plain numbers in one unit: `{"values": [10, 100], "unit": "ms"}`. */
export const ValuesWithUnitSchema = z
  .strictObject({
    values: z.array(z.number()).describe('The numbers, each multiplied by `unit`'),
    unit: UnitSchema,
  })
  .meta({ id: 'ValuesWithUnit', description: 'An array of numbers in one unit' });

/** An initial value: an expression (per neuron or synapse), a number, an array of N values, or values with a unit. */
export const InitValueSchema = z
  .union([
    ExpressionSchema,
    z.number(),
    z.array(z.union([z.number(), ExpressionSchema])),
    ValuesWithUnitSchema,
  ])
  .meta({
    id: 'InitValue',
    description:
      'An expression evaluated per neuron or synapse (may use i, N, rand(), randn(), constants and variables set earlier), a number, an array of one value per element (numbers or quantity strings), or {values, unit}',
  });

/** `{variable: value}`, applied in key order. */
export const InitSchema = z.record(NameSchema, InitValueSchema).meta({
  id: 'Init',
  description: 'Initial values by variable, applied in key order; variables not listed start at 0',
});

export type Quantity = z.infer<typeof QuantitySchema>;
export type ValuesWithUnit = z.infer<typeof ValuesWithUnitSchema>;
export type InitValue = z.infer<typeof InitValueSchema>;
export type Init = z.infer<typeof InitSchema>;
