// Runs a small Worker under Miniflare 4 (workerd, offline) and sends it a list of requests
// in order. Prints one JSON array: each response's status and body.
//
//   node tests/node/worker-flow.mjs <entry .ts file> <options JSON> <request path>...
//
// The options are Miniflare's `kvNamespaces` (a list of bindings, or binding → namespace id)
// and `durableObjects` (binding → class name), and `persist`: a folder as wrangler's
// `--persist-to` takes it, whose KV store the Worker reads and writes (else in memory); the
// entry file exports the Durable Object classes.

import path from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const [entry, optionsJson, ...requests] = process.argv.slice(2);
const options = JSON.parse(optionsJson);

const bundle = await build({
  entryPoints: [path.resolve(entry)],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["cloudflare:*"],
  write: false,
  logLevel: "silent",
});

const durableObjects = Object.fromEntries(
  Object.entries(options.durableObjects ?? {}).map(([binding, className]) => [
    binding,
    { className, useSQLite: true },
  ]),
);
const mf = new Miniflare({
  modules: [{ type: "ESModule", path: "index.mjs", contents: bundle.outputFiles[0].text }],
  compatibilityDate: "2025-10-01",
  kvNamespaces: options.kvNamespaces ?? [],
  durableObjects,
  ...(options.persist
    ? {
        kvPersist: path.join(path.resolve(options.persist), "v3", "kv"),
        durableObjectsPersist: path.join(path.resolve(options.persist), "v3", "do"),
      }
    : {}),
});
try {
  const responses = [];
  for (const request of requests) {
    const res = await mf.dispatchFetch(`http://localhost${request}`);
    responses.push({ request, status: res.status, body: await res.text() });
  }
  process.stdout.write(`${JSON.stringify(responses, null, 1)}\n`);
} finally {
  await mf.dispose();
}
