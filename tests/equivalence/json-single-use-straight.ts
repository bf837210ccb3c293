// prefer-kv-json-type, single-use form, where the parse is the next thing that happens on the
// same path: the fix is safe.
// @expect changed
// @reports prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }, input: string) {
  const raw = await env.CACHE.get(`user:${input}`);
  const user = JSON.parse(raw);
  const rawList = await env.CACHE.get('config:list');
  console.log('list', JSON.parse(rawList));
  const rawFlags = await env.CACHE.get('config:flags');
  return { user, flags: JSON.parse(rawFlags) };
}

export const scenarios = [
  { input: 'u1', seed: { CACHE: { 'user:u1': '{"name":"Ada"}', 'config:list': '[1]', 'config:flags': '{}' } } },
  { input: 'u1', seed: { CACHE: { 'user:u1': '{"name":"Ada"}', 'config:list': '[1', 'config:flags': '{}' } } },
  { input: 'u2', seed: { CACHE: {} } },
  { input: 'u1', seed: { CACHE: { 'user:u1': '{oops' } } },
];
