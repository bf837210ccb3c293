// require-kv-ttl with `default_ttl` configured: a put without an expiration gets
// `expirationTtl: 600` (the change the user asked for); nothing else changes.
// @config [rules.require-kv-ttl]
// @config default_ttl = 600
// @expect changed
// @reports require-kv-ttl
export async function main(env: { CACHE: KVNamespace }, input: string) {
  await env.CACHE.put('cache:a', input);
  await env.CACHE.put('cache:b', input, { metadata: { by: 'test' } });
  await env.CACHE.put('cache:c', input, {
    metadata: null, // no metadata
  });
  await env.CACHE.put('cache:d', input, { expirationTtl: 120 });
  return env.CACHE.list({ prefix: 'cache:' });
}

export const scenarios = [{ input: 'v', seed: {} }];
