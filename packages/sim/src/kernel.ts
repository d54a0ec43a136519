/**
 * Turns generated source into functions. The source passed here is always produced by `codegen`
 * and the integrators from our own AST (identifiers prefixed, numbers re-printed): user text never
 * reaches this function.
 */
export function makeKernel<T>(params: string[], body: string, args: unknown[]): T {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(...params, '"use strict";\n' + body) as (...a: unknown[]) => T;
  return factory(...args);
}

/** A local name for a user variable in generated code: always a valid, non-reserved identifier. */
export const local = (name: string): string => `v_${name}`;
export const arr = (name: string): string => `a_${name}`;
/** JSON string literal of a name, for map look-ups in kernel preludes. */
export const key = (name: string): string => JSON.stringify(name);
