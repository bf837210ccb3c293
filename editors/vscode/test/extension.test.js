// The extension against a stand-in for `vscode`: the server it starts, what it says when no
// binary exists (once), `kvlint.enable`, and "kvlint: Fix all".
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { state, reset } = require("./stub.js");
const extension = require("../out/extension.js");

function fakeBinary() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kvlint-vscode-"));
  const file = path.join(dir, "kvlint");
  fs.writeFileSync(file, "#!/bin/sh\n");
  fs.chmodSync(file, 0o755);
  return file;
}

test("starts `kvlint lsp` from kvlint.path for TypeScript, JavaScript and Astro", async () => {
  const context = reset();
  const binary = fakeBinary();
  state.config["kvlint.path"] = binary;
  await extension.activate(context);
  assert.strictEqual(state.clients.length, 1);
  const client = state.clients[0];
  assert.deepStrictEqual(client.server, { command: binary, args: ["lsp"] });
  assert.deepStrictEqual(
    client.options.documentSelector.map((s) => s.language),
    ["typescript", "typescriptreact", "javascript", "javascriptreact", "astro"],
  );
  assert.strictEqual(client.options.outputChannel.name, "kvlint");
  assert.ok(client.started);
  assert.ok(state.output.some((l) => l.includes(binary) && l.includes("from setting")));
  await extension.deactivate();
  assert.ok(client.stopped);
});

test("the workspace's npm package when nothing is set", async () => {
  const context = reset();
  const bin = fakeBinary();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "kvlint-ws-"));
  fs.mkdirSync(path.join(folder, "node_modules", ".bin"), { recursive: true });
  fs.copyFileSync(bin, path.join(folder, "node_modules", ".bin", "kvlint"));
  fs.chmodSync(path.join(folder, "node_modules", ".bin", "kvlint"), 0o755);
  state.folders = [folder];
  await extension.activate(context);
  assert.strictEqual(state.clients[0].server.command, path.join(folder, "node_modules", ".bin", "kvlint"));
  await extension.deactivate();
});

test("no binary: said once, with the install command, and in the output channel", async () => {
  const context = reset();
  const saved = process.env.PATH;
  process.env.PATH = "";
  try {
    await extension.activate(context);
    await extension.activate(context);
  } finally {
    process.env.PATH = saved;
  }
  assert.strictEqual(state.clients.length, 0);
  assert.strictEqual(state.warnings.length, 1, JSON.stringify(state.warnings));
  assert.match(state.warnings[0], /npm i -D kvlint/);
  assert.strictEqual(state.output.filter((l) => l.includes("no kvlint binary found")).length, 2);
});

test("kvlint.enable false starts nothing", async () => {
  const context = reset();
  state.config["kvlint.enable"] = false;
  state.config["kvlint.path"] = fakeBinary();
  await extension.activate(context);
  assert.strictEqual(state.clients.length, 0);
  assert.ok(state.output.some((l) => l.includes("disabled")));
});

test("kvlint: Fix all runs the server's fix-all code action", async () => {
  const context = reset();
  state.config["kvlint.enable"] = false;
  await extension.activate(context);
  await state.commands["kvlint.fixAll"]();
  assert.deepStrictEqual(state.executed, [["editor.action.codeAction", { kind: "source.fixAll.kvlint", apply: "first" }]]);
});
