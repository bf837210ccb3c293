// prefer-kv-cache-ttl with `cache_ttl` configured: a static key read without `cacheTtl` gets
// one; options that have one under a computed key are left alone.
// @config [rules.prefer-kv-cache-ttl]
// @config cache_ttl = 600
// @expect changed
// @reports prefer-kv-cache-ttl
export async function main(env: { CACHE: KVNamespace }) {
  const a = await env.CACHE.get('config:a');
  const b = await env.CACHE.get('config:b', 'json');
  const c = await env.CACHE.get('oauth:c', { type: 'json' });
  const d = await env.CACHE.get('config:d', { ['cacheTtl']: 60 });
  const e = await env.CACHE.getWithMetadata('config:e', { [`cacheTtl`]: 10 });
  return { a, b, c, d, e };
}

export const scenarios = [
  { seed: { CACHE: { 'config:a': 'A', 'config:b': '{"b":1}', 'oauth:c': '[1]', 'config:d': 'D', 'config:e': 'E' } } },
];
