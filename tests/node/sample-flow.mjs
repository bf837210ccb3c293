// Runs the sample Worker (a copy in the folder given, with its node_modules) under Miniflare 4
// (workerd, offline) with its KV namespace, R2 bucket and Durable Object, through one
// scripted flow: a session created, read, validated, refreshed, deleted, and the cache
// endpoints. Prints one JSON object: each response (status and body, with the random session
// id and clock values masked), every key KV held at some point of the flow (listed after
// each request), and the keys left in KV at the end.
//
//   node tests/node/sample-flow.mjs <worker folder>

import path from "node:path";
import { bundle, start } from "./sample-worker.mjs";

const dir = path.resolve(process.argv[2] ?? ".");

const mf = start(await bundle({ entryPoints: [path.join(dir, "src/worker/index.ts")] }));

const kv = await mf.getKVNamespace("SESSIONS");
// Written by the nightly social sync, and an OAuth flag set.
await kv.put("social:summary", JSON.stringify({ posts: 3, followers: 42 }));
await kv.put("config:oauth:flags", JSON.stringify({ pkce: true }));

const responses = [];
let sessionId = "";
const everInKv = new Set();

async function kvKeys() {
  const keys = [];
  let cursor;
  do {
    const page = await kv.list({ cursor });
    keys.push(...page.keys.map((k) => k.name.replace(UUID, "<session-id>")));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys.sort();
}
// Session ids are random UUIDs.
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const mask = (text) =>
  text
    .replace(UUID, "<session-id>")
    .replace(/"(expiresAt|requestId)":\s*("[^"]*"|\d+)/g, '"$1":"<masked>"');

async function call(method, route, body) {
  const init = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await mf.dispatchFetch(`http://localhost${route.replace(":id", sessionId)}`, init);
  const text = await res.text();
  responses.push({ request: `${method} ${route}`, status: res.status, body: mask(text) });
  for (const key of await kvKeys()) everInKv.add(key);
  return text;
}

try {
  // Sessions: create, read, validate, refresh, read again, delete, then all of it again.
  const created = JSON.parse(await call("GET", "/api/spotify/callback?code=abcdef123456"));
  sessionId = created.sessionId;
  responses[responses.length - 1].body = mask(JSON.stringify(created));
  await call("GET", "/api/spotify/session/:id");
  await call("GET", "/api/spotify/session/:id/validate");
  await call("POST", "/api/spotify/session/:id/refresh");
  await call("GET", "/api/spotify/session/:id");
  await call("GET", "/api/spotify/session/:id/validate");
  await call("DELETE", "/api/spotify/session/:id?redirect=/home");
  await call("GET", "/api/spotify/session/:id");
  await call("GET", "/api/spotify/session/:id/validate");
  await call("POST", "/api/spotify/session/:id/refresh");
  await call("GET", "/api/spotify/session/unknown-session");
  await call("GET", "/api/admin/u1");
  // Caches.
  await call("GET", "/api/oauth/config");
  await call("GET", "/api/metrics");
  await call("GET", "/api/metrics");
  await call("POST", "/api/metrics/snapshot", { at: 1 });
  await call("POST", "/api/rate-limit/10.0.0.1");
  await call("GET", "/api/social/instagram");
  await call("GET", "/api/social/instagram");
  await call("GET", "/api/social/facebook/events");
  await call("GET", "/api/social/facebook/events");
  await call("GET", "/api/social/summary");
  const result = { responses, everInKv: [...everInKv].sort(), kvKeysAtEnd: await kvKeys() };
  process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
} finally {
  await mf.dispose();
}
