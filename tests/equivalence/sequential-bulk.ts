// no-sequential-kv-reads with strategy = "bulk": keys known to be strings become one bulk get.
// @config [rules.no-sequential-kv-reads]
// @config strategy = "bulk"
// @expect changed
// @reports no-sequential-kv-reads
const PREFIX = 'instagram:';
export async function main(env: { CACHE: KVNamespace }, input: { id: string }) {
  const profile = await env.CACHE.get(`${PREFIX}profile:${input.id}`, 'json');
  const posts = await env.CACHE.get(PREFIX + 'posts:' + input.id, 'json');
  const same = await env.CACHE.get(`${PREFIX}profile:${input.id}`, { type: 'json' });
  return { profile, posts, same, identical: profile === same };
}

export const scenarios = [
  { input: { id: 'u1' }, seed: { CACHE: { 'instagram:profile:u1': '{"a":1}', 'instagram:posts:u1': '[]' } } },
  { input: { id: 'u2' }, seed: {} },
];
