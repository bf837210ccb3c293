// no-sequential-kv-reads: independent reads with side-effect-free keys become one
// `Promise.all`.
// @expect changed
// @reports no-sequential-kv-reads
export async function main(env: { CACHE: KVNamespace; SESSIONS: KVNamespace }, input: { id: string }) {
  const profile = await env.CACHE.get(`instagram:profile:${input.id}`, 'json');
  const posts = await env.CACHE.get('instagram:posts:' + input.id, { type: 'json' });
  // the session is a separate namespace
  const { value, metadata } = await env.SESSIONS.getWithMetadata(`session:${input.id}`);
  let flags = await env.CACHE.get('config:flags');
  flags = flags ?? 'none';
  return { profile, posts, value, metadata, flags };
}

export const scenarios = [
  { input: { id: 'u1' }, seed: { CACHE: { 'instagram:profile:u1': '{"n":1}', 'instagram:posts:u1': '[1]', 'config:flags': 'on' }, SESSIONS: { 'session:u1': { value: 's', metadata: { at: 1 } } } } },
  { input: { id: 'u2' }, seed: {} },
  { input: { id: 'u1' }, seed: { CACHE: { 'instagram:profile:u1': 'bad', 'instagram:posts:u1': 'bad' } } },
];
