// require-kv-ttl with `default_ttl`: options whose TTL is under a computed key already have
// one (a getter too). Adding `expirationTtl` again would change the TTL (the later property
// wins).
// @config [rules.require-kv-ttl]
// @config default_ttl = 600
// @expect unchanged
const TTL_KEY = 'expirationTtl';
export async function main(env: { CACHE: KVNamespace }, input: { key: string; at: number }) {
  await env.CACHE.put('cache:a', 'a', { [`expirationTtl`]: 120 });
  await env.CACHE.put('cache:b', 'b', { [TTL_KEY]: 180 });
  await env.CACHE.put('cache:c', 'c', { ['expiration']: input.at });
  await env.CACHE.put('cache:d', 'd', { [input.key]: 240 });
  await env.CACHE.put('cache:e', 'e', {
    get expirationTtl() {
      return 300;
    },
  });
  return 'ok';
}

export const scenarios = [{ input: { key: 'expirationTtl', at: 1900000000 }, seed: {} }];
