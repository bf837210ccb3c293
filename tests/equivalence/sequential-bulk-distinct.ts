// no-sequential-kv-reads with strategy = "bulk": string keys that cannot be equal become one
// bulk get, and each value is taken from its `Map` by the key it was read by.
// @config [rules.no-sequential-kv-reads]
// @config strategy = "bulk"
// @expect changed
// @reports no-sequential-kv-reads
const PREFIX = 'instagram:';
export async function main(env: { CACHE: KVNamespace }, input: { id: string }) {
  const profile = await env.CACHE.get(`${PREFIX}profile:${input.id}`, 'json');
  const posts = await env.CACHE.get(PREFIX + 'posts:' + input.id, { type: 'json' });
  const stats = await env.CACHE.get('instagram:stats', 'json');
  return { profile, posts, stats };
}

export const scenarios = [
  { input: { id: 'u1' }, seed: { CACHE: { 'instagram:profile:u1': '{"a":1}', 'instagram:posts:u1': '[]', 'instagram:stats': '3' } } },
  { input: { id: 'u2' }, seed: {} },
  { input: { id: 'u1' }, seed: { CACHE: { 'instagram:profile:u1': 'bad' } } },
];
