// prefer-kv-json-type, single-use form: a write and a log sit between the read and the parse.
// With a bad value they still happen before the parse throws; reading as JSON would skip them.
// @expect unchanged
// @reports prefer-kv-json-type
// @unsafe-fix prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }) {
  const raw = await env.CACHE.get('config:flags');
  await env.CACHE.put('audit:last-read', 'config:flags', { expirationTtl: 600 });
  console.log('read flags');
  const flags = JSON.parse(raw);
  const raw2 = await env.CACHE.get('config:other');
  return [flags, send(count(), JSON.parse(raw2))];
}

let calls = 0;
function count() {
  calls += 1;
  console.log('count', calls);
  return calls;
}
function send(n: number, v: unknown) {
  return { n, v };
}

export const scenarios = [
  { seed: { CACHE: { 'config:flags': '{"a":1}', 'config:other': '2' } } },
  { seed: { CACHE: { 'config:flags': 'not json' } } },
  { seed: { CACHE: { 'config:flags': '{}', 'config:other': '{bad' } } },
];
