// prefer-kv-json-type, single-use form: the parse is in a callback that may never run (an
// empty array), or runs later.
// @expect unchanged
// @reports prefer-kv-json-type
// @unsafe-fix prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }, input: string[]) {
  const raw = await env.CACHE.get('config:prefix');
  const lazy = () => JSON.parse(raw);
  const labels = input.map((x) => `${x}`);
  return { labels, get: input.length ? lazy() : 'unused' };
}

export const scenarios = [
  { input: [], seed: { CACHE: { 'config:prefix': 'bad json' } } },
  { input: ['a'], seed: { CACHE: { 'config:prefix': '"p"' } } },
  { input: ['a'], seed: { CACHE: { 'config:prefix': 'bad json' } } },
];
