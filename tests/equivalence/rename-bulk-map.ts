// no-unprefixed-kv-key with `renames` on a bulk get: the lookups in the returned Map are
// renamed with the keys, or they would miss.
// @config [rules.no-unprefixed-kv-key]
// @config renames = { "fb_app_access_token" = "oauth:facebook:app_token", "ig_token" = "oauth:instagram:token" }
// @expect changed
// @reports no-unprefixed-kv-key
// @unsafe-fix no-unprefixed-kv-key
// @fix-mode unsafe
export async function main(env: { CACHE: KVNamespace }) {
  const values = await env.CACHE.get(['fb_app_access_token', 'ig_token', 'cache:x']);
  return {
    fb: values.get('fb_app_access_token'),
    ig: values.has("ig_token") ? values.get("ig_token") : 'none',
    x: values.get('cache:x'),
  };
}

export const scenarios = [
  { seed: { CACHE: { fb_app_access_token: 'f', ig_token: 'i', 'cache:x': 'x' } } },
  { seed: { CACHE: { ig_token: 'i' } } },
];
