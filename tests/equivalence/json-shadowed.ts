// prefer-kv-json-type: `JSON` here is a local binding, not the global: no finding, no fix.
// @expect unchanged
// @no-report prefer-kv-json-type
const JSON = {
  parse(text: string | null) {
    return { length: text?.length ?? -1 };
  },
};

export async function main(env: { CACHE: KVNamespace }) {
  const inline = JSON.parse(await env.CACHE.get('config:flags'));
  const raw = await env.CACHE.get('config:other');
  const single = JSON.parse(raw);
  return { inline, single };
}

export const scenarios = [
  { seed: { CACHE: { 'config:flags': 'not json', 'config:other': 'xyz' } } },
  { seed: { CACHE: {} } },
];
