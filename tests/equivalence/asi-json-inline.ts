// Code without semicolons: the fix's replacement starts with `(` at the start of a statement.
// Without a `;` before it, it would continue the previous line (`[](…)`).
// @expect changed
// @reports prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }) {
  const out: unknown[] = []
  JSON.parse(await env.CACHE.get('config:list')).forEach((x: unknown) => out.push(x))
  let n = 0
  JSON.parse(await env.CACHE.get('config:list'))[0]
  n++
  JSON.parse(await env.CACHE.get('config:obj')).a = 1
  return [out, n]
}

export const scenarios = [
  { seed: { CACHE: { 'config:list': '[1,2,3]', 'config:obj': '{"a":0}' } } },
]
