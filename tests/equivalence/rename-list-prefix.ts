// no-unprefixed-kv-key with `renames`: a `list` by a prefix that the old key has (and the new
// key has not) would stop finding it after the rename: the list blocks the migration group,
// and not even --unsafe-fixes renames.
// @config [rules.no-unprefixed-kv-key]
// @config renames = { "fb_app_access_token" = "oauth:facebook:app_token" }
// @expect unchanged
// @reports no-unprefixed-kv-key
// @fix-mode unsafe
export async function main(env: { CACHE: KVNamespace }) {
  await env.CACHE.put('fb_app_access_token', 'token', { expirationTtl: 3600 });
  const listed = await env.CACHE.list({ prefix: 'fb_' });
  return listed.keys.map((k) => k.name);
}

export const scenarios = [{ seed: {} }];
