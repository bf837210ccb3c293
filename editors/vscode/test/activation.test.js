// When kvlint runs: a workspace with a wrangler config or a kvlint.toml; TypeScript,
// JavaScript and Astro files.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const { CONFIG_FILES, isKvlintWorkspace, documentSelector, checks } = require("../out/activation.js");

test("a wrangler config or a kvlint.toml anywhere makes a kvlint workspace", () => {
  for (const f of ["wrangler.toml", "apps/api/wrangler.json", "wrangler.jsonc", "kvlint.toml"]) {
    assert.ok(isKvlintWorkspace(["src/index.ts", f]), f);
  }
  assert.ok(!isKvlintWorkspace(["package.json", "src/index.ts", "tsconfig.json"]));
  // A dependency's config is not the project's.
  assert.ok(!isKvlintWorkspace(["node_modules/some-worker/wrangler.toml"]));
});

test("the manifest activates on exactly those files", () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
  assert.deepStrictEqual(
    manifest.activationEvents,
    CONFIG_FILES.map((f) => `workspaceContains:**/${f}`),
  );
});

test("TypeScript, JavaScript and Astro files are checked, others not", () => {
  for (const l of ["typescript", "typescriptreact", "javascript", "javascriptreact", "astro"]) {
    assert.ok(checks(l), l);
  }
  for (const l of ["json", "toml", "markdown", "svelte"]) {
    assert.ok(!checks(l), l);
  }
  assert.deepStrictEqual(
    documentSelector().map((s) => s.language),
    ["typescript", "typescriptreact", "javascript", "javascriptreact", "astro"],
  );
  assert.ok(documentSelector().every((s) => s.scheme === "file"));
});
