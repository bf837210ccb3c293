// Runs the Durable Object that `kvlint scaffold session-object` prints under Miniflare 4 next
// to a real KV namespace, and puts both through the same operations: a rewritten session call
// must do on the object what it did on KV. Prints `{ kv: [...], durableObject: [...] }`, one
// line per operation (its result, or the class of what it threw).
//
//   node tests/node/scaffold-flow.mjs <the scaffold's .ts file> <class name>

import path from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const file = path.resolve(process.argv[2]);
const className = process.argv[3] ?? "SessionStore";

const worker = `
import { ${className} } from ${JSON.stringify(file)};
export { ${className} };
export default {
  async fetch(request, env) {
    const which = new URL(request.url).pathname.slice(1);
    const stub = env.SESSION_OBJECT.getByName("s1");
    const ops = which === "kv"
      ? {
          get: (id) => env.KV.get("session:" + id),
          getJson: (id) => env.KV.get("session:" + id, "json"),
          put: (id, v, o) => env.KV.put("session:" + id, v, o),
          del: (id) => env.KV.delete("session:" + id),
        }
      : {
          get: (id) => stub.getSession(id),
          getJson: (id) => stub.getSessionJson(id),
          put: (id, v, o) => stub.putSession(id, v, o),
          del: (id) => stub.deleteSession(id),
        };
    const log = [];
    const step = async (name, f) => {
      try {
        log.push(name + " -> " + JSON.stringify((await f()) ?? null));
      } catch (e) {
        log.push(name + " threw " + (e && e.constructor ? e.constructor.name : typeof e));
      }
    };
    const now = Math.floor(Date.now() / 1000);
    await step("get a missing session", () => ops.get("a"));
    await step("getJson of a missing session", () => ops.getJson("a"));
    await step("put text", () => ops.put("a", "text"));
    await step("get it", () => ops.get("a"));
    await step("getJson of text that is not JSON", () => ops.getJson("a"));
    await step("put JSON", () => ops.put("a", JSON.stringify({ user: "u1", n: [1, 2] })));
    await step("get it", () => ops.get("a"));
    await step("getJson of it", () => ops.getJson("a"));
    await step("put with expirationTtl 30 (below KV's minimum)", () => ops.put("b", "v", { expirationTtl: 30 }));
    await step("get b", () => ops.get("b"));
    await step("put with expirationTtl 120", () => ops.put("b", "v", { expirationTtl: 120 }));
    await step("get b", () => ops.get("b"));
    await step("put with an expiration in the past", () => ops.put("c", "v", { expiration: now - 10 }));
    await step("put with an expiration in an hour", () => ops.put("c", "v2", { expiration: now + 3600 }));
    await step("get c", () => ops.get("c"));
    await step("delete a", () => ops.del("a"));
    await step("get a", () => ops.get("a"));
    await step("delete a missing session", () => ops.del("zzz"));
    return Response.json(log);
  },
};
`;

const bundle = await build({
  stdin: { contents: worker, resolveDir: path.dirname(file), loader: "js" },
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["cloudflare:*"],
  write: false,
  logLevel: "silent",
});

const mf = new Miniflare({
  modules: [{ type: "ESModule", path: "index.mjs", contents: bundle.outputFiles[0].text }],
  compatibilityDate: "2025-10-01",
  kvNamespaces: ["KV"],
  durableObjects: { SESSION_OBJECT: { className, useSQLite: true } },
});
try {
  const kv = await (await mf.dispatchFetch("http://localhost/kv")).json();
  const durableObject = await (await mf.dispatchFetch("http://localhost/do")).json();
  process.stdout.write(`${JSON.stringify({ kv, durableObject }, null, 1)}\n`);
} finally {
  await mf.dispose();
}
