// no-sequential-kv-reads: `Promise` is a local binding here, so `Promise.all` would not be
// the global one: no `Promise.all` fix.
// @expect unchanged
// @reports no-sequential-kv-reads
const Promise = { all: (xs: unknown[]) => ['not', 'the', 'global', xs.length] };

export async function main(env: { CACHE: KVNamespace }) {
  const a = await env.CACHE.get('cache:a');
  const b = await env.CACHE.get('cache:b');
  return [a, b, Promise.all([])];
}

export const scenarios = [{ seed: { CACHE: { 'cache:a': 'A' } } }];
