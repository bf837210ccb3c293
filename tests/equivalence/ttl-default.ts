// require-kv-ttl with `default_ttl` configured: the fix (`expirationTtl: 600`) changes how
// long data lives, so it is unsafe and `--fix` alone leaves the program as it is (the test
// `the_ttl_fix_changes_what_the_program_stores` runs it under --unsafe-fixes).
// @config [rules.require-kv-ttl]
// @config default_ttl = 600
// @expect unchanged
// @reports require-kv-ttl
// @unsafe-fix require-kv-ttl
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
