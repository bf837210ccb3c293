// no-unprefixed-kv-key with `prefix`: unprefixed static keys get it.
// @config [rules.no-unprefixed-kv-key]
// @config prefix = "cache:"
// @key-map user_u1 = cache:user_u1
// @key-map settings = cache:settings
// @expect changed
// @reports no-unprefixed-kv-key
// @unsafe-fix no-unprefixed-kv-key
// @fix-mode unsafe
export async function main(env: { CACHE: KVNamespace }, input: string) {
  const user = await env.CACHE.get(`user_${input}`);
  await env.CACHE.put('user_' + input, 'seen', { expirationTtl: 3600 });
  const settings = await env.CACHE.get('settings');
  return [user, settings];
}

export const scenarios = [
  { input: 'u1', seed: { CACHE: { user_u1: 'old', settings: 's' } } },
];
