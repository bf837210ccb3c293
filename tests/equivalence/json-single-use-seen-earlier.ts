// prefer-kv-json-type, single-use form: a closure declared before the read also sees the
// variable, so the variable is not used only by the parse. No finding.
// @expect unchanged
// @no-report prefer-kv-json-type
export async function main(env: { CACHE: KVNamespace }) {
  const show = () => console.log('raw is', typeof raw, raw);
  const raw = await env.CACHE.get('config:flags');
  const flags = JSON.parse(raw);
  show();
  return flags;
}

export const scenarios = [{ seed: { CACHE: { 'config:flags': '{"a":1}' } } }];
