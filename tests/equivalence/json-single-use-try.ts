// prefer-kv-json-type, single-use form: the parse sits in a `try` and its error is caught.
// Reading as JSON would throw outside the `try`: the fix is unsafe.
// @expect unchanged
// @reports prefer-kv-json-type
// @unsafe-fix prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }) {
  const raw = await env.CACHE.get('config:flags');
  try {
    return { flags: JSON.parse(raw) };
  } catch (e) {
    console.warn('bad flags', (e as Error).name);
    return { flags: null };
  }
}

export const scenarios = [
  { seed: { CACHE: { 'config:flags': '{"a":1}' } } },
  { seed: { CACHE: { 'config:flags': 'not json' } } },
  { seed: { CACHE: {} } },
];
