// no-sequential-kv-reads with strategy = "bulk": a key that is not known to be a string (a
// number typed `any`) is read as "7" by a bulk get, but the Map lookup by 7 would miss.
// Such a run gets the `Promise.all` form instead.
// @config [rules.no-sequential-kv-reads]
// @config strategy = "bulk"
// @expect changed
// @reports no-sequential-kv-reads
export async function main(env: { CACHE: KVNamespace }, input: any) {
  const a = await env.CACHE.get(input.id);
  const b = await env.CACHE.get('cache:b');
  return [a, b];
}

export const scenarios = [
  { input: { id: 7 }, seed: { CACHE: { '7': 'seven', 'cache:b': 'B' } } },
  { input: { id: 'x' }, seed: { CACHE: { x: 'ex' } } },
];
