// unused-suppression: removing a block comment that holds a line break, right after `return`,
// `throw` or postfix `++`, must keep a line break there: it is what ends the statement.
// @fix-mode unsafe
// @expect changed
// @reports unused-suppression
export async function main(env: { CACHE: KVNamespace }) {
  const r = first();
  let n = 1;
  n /* kvlint-disable-line no-kv-sessions
  */
  ++n;
  return [r, n, await env.CACHE.get('cache:a')];
}

function first() {
  return /* kvlint-disable-line require-kv-ttl
  */ 42;
}

export const scenarios = [{ seed: {} }];
