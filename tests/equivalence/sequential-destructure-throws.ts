// no-sequential-kv-reads: destructuring a missing value (`null`) throws, and the error's message
// names the expression destructured: inside a merged `const [[first], other] = …` it is
// another message. The fix is unsafe (getWithMetadata's `{ value, metadata }` never throws).
// @expect unchanged
// @reports no-sequential-kv-reads
// @unsafe-fix no-sequential-kv-reads
export async function main(env: { CACHE: KVNamespace }) {
  const [first] = await env.CACHE.get('config:list', 'json');
  const other = await env.CACHE.get('config:other');
  return [first, other];
}

export const scenarios = [
  { seed: { CACHE: { 'config:list': '[1]', 'config:other': 'o' } } },
  { seed: { CACHE: { 'config:other': 'o' } } },
];
