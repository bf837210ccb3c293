// no-sequential-kv-reads: a receiver computed by a function that logs, with plain
// declarators. When the first read fails, the original never calls it for the second read;
// merged, it is called before either read. The fix is unsafe.
// @expect unchanged
// @reports no-sequential-kv-reads
// @unsafe-fix no-sequential-kv-reads
function cache(env: { CACHE: KVNamespace }, why: string): KVNamespace {
  console.log('namespace for', why);
  return env.CACHE;
}

export async function main(env: { CACHE: KVNamespace }) {
  const a = await cache(env, 'a').get('config:a', 'json');
  const b = await cache(env, 'b').get('config:b', 'json');
  return [a, b];
}

export const scenarios = [{ seed: { CACHE: { 'config:a': 'not json', 'config:b': '{}' } } }];
