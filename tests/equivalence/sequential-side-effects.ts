// no-sequential-kv-reads: side effects hide in destructuring defaults and in the receiver of
// a read. Merging the reads would run them in another order (or run them when a read in
// between fails): the fix is unsafe.
// @expect unchanged
// @reports no-sequential-kv-reads
// @unsafe-fix no-sequential-kv-reads
let counter = 0;
function bump() {
  counter += 1;
  console.log('bump', counter);
  return counter;
}
function ns(env: { CACHE: KVNamespace }): KVNamespace {
  console.log('ns called at', counter);
  return env.CACHE;
}

export async function main(env: { CACHE: KVNamespace }) {
  const { value, missing = bump() } = await env.CACHE.getWithMetadata('config:a');
  const b = await ns(env).get('config:b');
  const c = await env.CACHE.get('config:c');
  return [value, missing, b, c, counter];
}

export const scenarios = [
  { seed: { CACHE: { 'config:b': 'b' } } },
  { seed: { CACHE: { 'config:a': 'a', 'config:b': 'b', 'config:c': 'c' } } },
];
