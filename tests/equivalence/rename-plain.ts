// no-unprefixed-kv-key with `renames`: every use of the old key moves to the new one (the data
// is assumed moved too); the program does the same against the renamed data.
// @config [rules.no-unprefixed-kv-key]
// @config renames = { "fb_app_access_token" = "oauth:facebook:app_token", "metrics" = "cache:metrics" }
// @expect changed
// @reports no-unprefixed-kv-key
// @unsafe-fix no-unprefixed-kv-key
// @fix-mode unsafe
const METRICS = 'metrics';
export async function main(env: { CACHE: KVNamespace }) {
  const token = await env.CACHE.get('fb_app_access_token');
  await env.CACHE.put("fb_app_access_token", `${token ?? ''}!`, { expirationTtl: 3600 });
  const m = await env.CACHE.get(METRICS, 'json');
  await env.CACHE.put(METRICS, JSON.stringify({ n: ((m as { n?: number } | null)?.n ?? 0) + 1 }), { expirationTtl: 3600 });
  return [token, m];
}

export const scenarios = [
  { seed: { CACHE: { fb_app_access_token: 't', metrics: '{"n":1}' } } },
  { seed: {} },
];
