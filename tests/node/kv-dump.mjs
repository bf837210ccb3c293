// Prints every key of a KV namespace in wrangler's local store (`--persist-to DIR`), read
// with Miniflare (no wrangler), every page: one JSON array of { name, expiration?,
// metadata?, value } with the value's bytes in base64, sorted by name.
//
//   node tests/node/kv-dump.mjs <persist dir> <namespace id>

import path from "node:path";
import { Miniflare } from "miniflare";

const [dir, id] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  script: "export default { fetch() { return new Response(''); } }",
  kvNamespaces: { KV: id },
  kvPersist: path.join(path.resolve(dir), "v3", "kv"),
});
try {
  const kv = await mf.getKVNamespace("KV");
  const out = [];
  let cursor;
  do {
    const page = await kv.list({ cursor });
    for (const k of page.keys) {
      const value = await kv.get(k.name, "arrayBuffer");
      const entry = { name: k.name };
      if (k.expiration !== undefined) entry.expiration = k.expiration;
      if (k.metadata !== undefined) entry.metadata = k.metadata;
      entry.value = Buffer.from(value).toString("base64");
      out.push(entry);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  await mf.dispose();
}
