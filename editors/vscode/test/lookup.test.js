// The binary lookup: the setting, then the workspace's npm package, then PATH.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { findBinary, INSTALL } = require("../out/lookup.js");

const look = (over) =>
  findBinary({ setting: null, folders: ["/w"], pathEnv: "/usr/bin:/opt/bin", platform: "linux", exists: () => false, ...over });

test("the setting comes first", () => {
  const r = look({ setting: "/tools/kvlint", exists: () => true });
  assert.deepStrictEqual(r, { found: true, path: "/tools/kvlint", source: "setting" });
});

test("a setting that names no file is said, not passed over", () => {
  const r = look({ setting: "/nope/kvlint", exists: (f) => f === "/w/node_modules/.bin/kvlint" });
  assert.strictEqual(r.found, false);
  assert.match(r.message, /kvlint\.path does not exist: \/nope\/kvlint/);
});

test("then the workspace's node_modules/.bin, before PATH", () => {
  const files = new Set(["/w/node_modules/.bin/kvlint", "/opt/bin/kvlint"]);
  const r = look({ exists: (f) => files.has(f) });
  assert.deepStrictEqual(r, { found: true, path: "/w/node_modules/.bin/kvlint", source: "workspace" });
});

test("then PATH, in its order", () => {
  const r = look({ exists: (f) => f === "/opt/bin/kvlint" });
  assert.deepStrictEqual(r, { found: true, path: "/opt/bin/kvlint", source: "PATH" });
});

test("Windows: the npm shim and ;-separated PATH", () => {
  const r = findBinary({
    setting: undefined,
    folders: ["C:\\w"],
    pathEnv: "C:\\bin;D:\\tools",
    platform: "win32",
    exists: (f) => f === "C:\\w\\node_modules\\.bin\\kvlint.cmd",
  });
  assert.deepStrictEqual(r, { found: true, path: "C:\\w\\node_modules\\.bin\\kvlint.cmd", source: "workspace" });
  const p = findBinary({ setting: null, folders: [], pathEnv: "C:\\bin;D:\\tools", platform: "win32", exists: (f) => f === "D:\\tools\\kvlint.exe" });
  assert.strictEqual(p.found && p.path, "D:\\tools\\kvlint.exe");
});

test("none: the message names the install command", () => {
  const r = look({});
  assert.strictEqual(r.found, false);
  assert.ok(r.message.includes(INSTALL), r.message);
});
