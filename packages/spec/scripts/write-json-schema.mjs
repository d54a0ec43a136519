// Writes network-spec.schema.json from the built package (run `pnpm build` first).
// Formatted with the repository's Prettier settings so `pnpm format:check` accepts it.
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/index.js', import.meta.url);
const out = fileURLToPath(new URL('../network-spec.schema.json', import.meta.url));

if (!existsSync(dist)) {
  console.error('packages/spec/dist is missing: run `pnpm build` at the repository root first');
  process.exit(1);
}

const { networkSpecJsonSchema } = await import(dist.href);
const prettier = await import('prettier');
const options = (await prettier.resolveConfig(out)) ?? {};
const text = await prettier.format(JSON.stringify(networkSpecJsonSchema()), { ...options, parser: 'json' });
writeFileSync(out, text);
console.log(`wrote ${out} (${text.length} bytes)`);
