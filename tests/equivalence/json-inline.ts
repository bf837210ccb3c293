// prefer-kv-json-type, inline form: `JSON.parse(await kv.get(k))` reads as JSON directly.
// @expect changed
// @reports prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }) {
  const config = JSON.parse(await env.CACHE.get('config:flags'));
  const typed = JSON.parse((await env.CACHE.get('config:typed', 'text')) as string);
  const withOptions = JSON.parse(await env.CACHE.get('config:ttl', { type: 'text', cacheTtl: 60 }));
  return { config, typed, withOptions, keys: Object.keys(config ?? {}) };
}

export const scenarios = [
  { seed: { CACHE: { 'config:flags': '{"a":1,"b":[2]}', 'config:typed': '[1,2]', 'config:ttl': '"x"' } } },
  { seed: { CACHE: {} } },
  { seed: { CACHE: { 'config:flags': '{"a":1}', 'config:typed': 'null' } } },
  { seed: { CACHE: { 'config:flags': 'not json' } } },
  { seed: { CACHE: { 'config:flags': '{}', 'config:typed': '' } } },
];
