// prefer-kv-json-type, single-use form: the parse is in a branch that may not be taken, so a
// bad value must not throw when the branch is skipped.
// @expect unchanged
// @reports prefer-kv-json-type
// @unsafe-fix prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }, input: boolean) {
  const raw = await env.CACHE.get('config:flags');
  if (input) {
    return JSON.parse(raw);
  }
  const other = await env.CACHE.get('config:other');
  return input ? null : other && JSON.parse(other);
}

export const scenarios = [
  { input: true, seed: { CACHE: { 'config:flags': '{"a":1}', 'config:other': '[1]' } } },
  { input: false, seed: { CACHE: { 'config:flags': 'not json', 'config:other': '[1]' } } },
  { input: false, seed: { CACHE: { 'config:flags': 'not json', 'config:other': 'bad' } } },
  { input: true, seed: { CACHE: {} } },
];
