// The sample Worker under Miniflare 4 (workerd, offline), for the scripts that drive it: its
// bundle, the outside world it calls (canned answers for every host), and its bindings.

import { build } from "esbuild";
import { Miniflare } from "miniflare";

// Bundles the Worker: `entry` is esbuild's `entryPoints` or `stdin` option.
export async function bundle(entry) {
  const result = await build({
    ...entry,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

// The outside world, offline: canned answers for every host the Worker calls.
export function outbound(request) {
  const url = new URL(request.url);
  const json = (body) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  switch (url.hostname) {
    case "graph.facebook.com":
      return url.pathname.startsWith("/oauth")
        ? json({ access_token: "fb-token", expires_in: 7200 })
        : json({ data: [{ id: "e1", name: "Launch" }] });
    case "graph.instagram.com":
      return json({ posts: [1, 2], profile: { name: "sample" }, followers: 42 });
    case "api.example.com":
      return json({ requests: 1234, errors: 5 });
    default:
      return new Response("not found", { status: 404 });
  }
}

// Miniflare running the bundled Worker with the sample's KV namespace, R2 bucket, Durable
// Object and vars.
export function start(contents) {
  return new Miniflare({
    modules: [{ type: "ESModule", path: "index.mjs", contents }],
    compatibilityDate: "2025-10-01",
    kvNamespaces: ["SESSIONS"],
    r2Buckets: ["ASSETS"],
    durableObjects: { USER_SESSIONS: { className: "UserSession", useSQLite: true } },
    bindings: { FB_APP_ID: "1234567890", FB_APP_SECRET: "secret", SPOTIFY_CLIENT_ID: "spotify" },
    outboundService: outbound,
  });
}
