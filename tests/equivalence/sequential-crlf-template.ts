// no-sequential-kv-reads in a CRLF file: a key written over several lines inside a template
// is copied into the new statement byte for byte, or its value changes.
// @crlf
// @expect changed
// @reports no-sequential-kv-reads
export async function main(env: { CACHE: KVNamespace }) {
  const a = await env.CACHE.get(`cache:multi
line`);
  const b = await env.CACHE.get(
    'cache:b',
  );
  return [a, b];
}

export const scenarios = [
  { seed: { CACHE: { 'cache:multi\nline': 'A', 'cache:b': 'B' } } },
  { seed: { CACHE: { 'cache:multi\n\nline': 'wrong', 'cache:b': 'B' } } },
];
