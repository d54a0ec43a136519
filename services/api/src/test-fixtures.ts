/** Shared by the API's tests: the shipped examples and two API keys (never imported by the service). */
import { readFileSync } from 'node:fs';

export const example = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../../examples/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

export const ALICE = 'alice-secret-0123';
export const BOB = 'bob-secret-4567';
export const auth = (key: string) => ({ authorization: `Bearer ${key}` });
