// no-sequential-kv-reads: a key computed by a function that logs, with plain declarators (no
// destructuring to make the fix unsafe on its own). When the first read fails (a JSON read
// of a value that is not JSON), the original never computes the second key; merged into
// `Promise.all`, both keys are computed first, and the console shows it. The fix is unsafe.
// @expect unchanged
// @reports no-sequential-kv-reads
// @unsafe-fix no-sequential-kv-reads
function key(name: string): string {
  console.log('key', name);
  return `config:${name}`;
}

export async function main(env: { CACHE: KVNamespace }) {
  const a = await env.CACHE.get(key('a'), 'json');
  const b = await env.CACHE.get(key('b'), 'json');
  return [a, b];
}

export const scenarios = [
  { seed: { CACHE: { 'config:a': 'not json', 'config:b': '{}' } } },
  { seed: { CACHE: { 'config:a': '1', 'config:b': '2' } } },
];
