/** Code for statement blocks (resets, on_pre, on_post): sequential assignments, as Brian 2 runs them. */
import type { Expr, Statement } from './ast.js';
import { emit, type EmitContext } from './codegen.js';
import type { ModelDef } from './model.js';

/**
 * Emits statements over element `idx` (targets through `ctx.ref`). Integer variables truncate,
 * booleans store 0/1. `typeOf` maps a target to its type when it is not in `model`.
 */
export function compileStatements(
  stmts: Statement[],
  model: ModelDef | undefined,
  ctx: EmitContext,
  inline: (e: Expr) => Expr,
  targetType?: (name: string) => 'float' | 'boolean' | 'integer',
): string {
  return stmts
    .map((s) => {
      const target = ctx.ref(s.target);
      const rhs = emit(inline(s.expr), ctx);
      const type = model?.vars.get(s.target)?.type ?? targetType?.(s.target) ?? 'float';
      const value = s.op === '=' ? rhs : `${target} ${s.op[0]} (${rhs})`;
      const conv = type === 'boolean' ? `+!!(${value})` : type === 'integer' ? `Math.trunc(${value})` : value;
      return `${target} = ${conv};`;
    })
    .join('\n');
}
