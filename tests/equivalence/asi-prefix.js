// Code without semicolons, in JavaScript: fixes at the start of a statement keep it a
// statement of its own.
// @config [rules.require-kv-ttl]
// @config default_ttl = 600
// @expect changed
// @reports prefer-kv-json-type
export async function main(env) {
  const seen = []
  JSON.parse(await env.CACHE.get('config:list')).map((x) => seen.push(x))
  const a = await env.CACHE.get('cache:a')
  const b = await env.CACHE.get('cache:b')
  ;[a, b].forEach((x) => seen.push(x))
  await env.CACHE.put('cache:c', 'c')
  return seen
}

export const scenarios = [
  { seed: { CACHE: { 'config:list': '[1,2]', 'cache:a': 'A', 'cache:b': 'B' } } },
]
