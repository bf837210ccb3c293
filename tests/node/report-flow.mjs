// Runs the sample Worker (a copy in the folder given) under Miniflare 4 with its KV binding
// wrapped in a counter, drives every route once or more, and prints the KV operations each
// request made, as `kvlint report` names its entries: [{ entry, reads, writes, deletes, lists }].
// A bulk `get([…])` counts one read per key, as KV bills it; operations handed to
// `waitUntil` are counted once they settle.
//
//   node tests/node/report-flow.mjs <worker folder>

import path from "node:path";
import { bundle, start } from "./sample-worker.mjs";

const dir = path.resolve(process.argv[2] ?? ".");

const shim = `
import worker from "./src/worker/index.ts";
export * from "./src/worker/index.ts";

function counting(kv, counts) {
  return new Proxy(kv, {
    get(target, prop) {
      const value = target[prop];
      if (typeof value !== "function") return value;
      return (...args) => {
        if (prop === "get" || prop === "getWithMetadata") counts.reads += Array.isArray(args[0]) ? args[0].length : 1;
        else if (prop === "put") counts.writes += 1;
        else if (prop === "delete") counts.deletes += 1;
        else if (prop === "list") counts.lists += 1;
        return value.apply(target, args);
      };
    },
  });
}

export default {
  async fetch(request, env, ctx) {
    const counts = { reads: 0, writes: 0, deletes: 0, lists: 0 };
    const pending = [];
    const context = {
      waitUntil(p) { pending.push(p); ctx.waitUntil(p); },
      passThroughOnException() { ctx.passThroughOnException(); },
    };
    const res = await worker.fetch(request, { ...env, SESSIONS: counting(env.SESSIONS, counts) }, context);
    await Promise.allSettled(pending);
    const nullBody = res.status === 204 || res.status === 304;
    const body = nullBody ? null : await res.arrayBuffer();
    const headers = new Headers(res.headers);
    headers.set("x-kv-ops", JSON.stringify(counts));
    return new Response(body, { status: res.status, headers });
  },
};
`;

const mf = start(await bundle({ stdin: { contents: shim, resolveDir: dir, sourcefile: "shim.ts", loader: "ts" } }));

const observed = [];
let sessionId = "";

async function call(method, entry, url, body) {
  const init = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await mf.dispatchFetch(`http://localhost${url.replace(":id", sessionId)}`, init);
  const text = await res.text();
  const counts = JSON.parse(res.headers.get("x-kv-ops") ?? "null");
  if (!counts) throw new Error(`${method} ${url}: no counts`);
  observed.push({ entry: `${method} ${entry}`, status: res.status, ...counts });
  return text;
}

try {
  const kv = await mf.getKVNamespace("SESSIONS");
  await kv.put("social:summary", JSON.stringify({ posts: 3, followers: 42 }));
  await kv.put("config:oauth:flags", JSON.stringify({ pkce: true }));
  const session = "/api/spotify/session/:sessionId";
  sessionId = JSON.parse(await call("GET", "/api/spotify/callback", "/api/spotify/callback?code=abcdef123456")).sessionId;
  await call("GET", session, "/api/spotify/session/:id");
  await call("GET", `${session}/validate`, "/api/spotify/session/:id/validate");
  await call("POST", `${session}/refresh`, "/api/spotify/session/:id/refresh");
  await call("DELETE", session, "/api/spotify/session/:id");
  await call("GET", session, "/api/spotify/session/:id");
  await call("POST", `${session}/refresh`, "/api/spotify/session/:id/refresh");
  await call("GET", "/api/admin/:userId", "/api/admin/u1");
  await call("GET", "/api/oauth/config", "/api/oauth/config");
  // Miss, then hit.
  await call("GET", "/api/metrics", "/api/metrics");
  await call("GET", "/api/metrics", "/api/metrics");
  await call("POST", "/api/metrics/snapshot", "/api/metrics/snapshot", { at: 1 });
  await call("POST", "/api/rate-limit/:ip", "/api/rate-limit/10.0.0.1");
  await call("GET", "/api/social/instagram", "/api/social/instagram");
  await call("GET", "/api/social/instagram", "/api/social/instagram");
  await call("GET", "/api/social/facebook/events", "/api/social/facebook/events");
  await call("GET", "/api/social/facebook/events", "/api/social/facebook/events");
  await call("GET", "/api/social/summary", "/api/social/summary");
  process.stdout.write(`${JSON.stringify(observed, null, 1)}\n`);
} finally {
  await mf.dispose();
}
