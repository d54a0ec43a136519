/**
 * The viewer ships its own copies of the examples (it is static files served by the API, also in
 * the API image); they must stay the same as the repository's `examples/`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const shipped = readdirSync(`${root}examples`).filter((f) => f.endsWith('.json'));

describe('viewer examples', () => {
  it('lists every example', () => {
    const index = readFileSync(`${root}services/api/public/examples/index.json`, 'utf8');
    for (const f of shipped) expect(index).toContain(f.replace('.json', ''));
  });
  it.each(shipped)('%s is identical to examples/', (f) => {
    expect(readFileSync(`${root}services/api/public/examples/${f}`, 'utf8')).toBe(
      readFileSync(`${root}examples/${f}`, 'utf8'),
    );
  });
});
