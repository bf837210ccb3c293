// prefer-kv-json-type, single-use form: the parse runs once per iteration and each iteration
// mutates a fresh object. Parsing once at the read would share one object across them.
// @expect unchanged
// @reports prefer-kv-json-type
// @unsafe-fix prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }) {
  const raw = await env.CACHE.get('config:template');
  const rows = [];
  for (const name of ['a', 'b', 'c']) {
    const row = JSON.parse(raw);
    row.name = name;
    rows.push(row);
  }
  return rows;
}

export const scenarios = [
  { seed: { CACHE: { 'config:template': '{"name":"","n":1}' } } },
  { seed: { CACHE: { 'config:template': 'oops' } } },
];
