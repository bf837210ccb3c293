// The launcher's choice of platform package, for every release target and for machines
// kvlint is not built for. Run with `node --test npm/kvlint/test`.
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const { TARGETS, LOCAL, candidates, executable } = require("../bin/platform.js");

test("every release target picks its own package first", () => {
  const machines = {
    "linux-x64-gnu": ["linux", "x64", true],
    "linux-arm64-gnu": ["linux", "arm64", true],
    "linux-x64-musl": ["linux", "x64", false],
    "linux-arm64-musl": ["linux", "arm64", false],
    "darwin-x64": ["darwin", "x64", false],
    "darwin-arm64": ["darwin", "arm64", false],
    "win32-x64": ["win32", "x64", false],
  };
  assert.deepStrictEqual(Object.keys(machines).sort(), [...TARGETS, ...LOCAL].sort());
  for (const [target, [platform, arch, glibc]] of Object.entries(machines)) {
    assert.strictEqual(candidates(platform, arch, glibc)[0], `kvlint-${target}`, target);
  }
});

test("a glibc machine takes a local glibc build, else the released static musl one", () => {
  assert.deepStrictEqual(candidates("linux", "x64", true), ["kvlint-linux-x64-gnu", "kvlint-linux-x64-musl"]);
  // A glibc build does not run on musl.
  assert.deepStrictEqual(candidates("linux", "arm64", false), ["kvlint-linux-arm64-musl"]);
});

test("machines kvlint is not built for get no package", () => {
  assert.deepStrictEqual(candidates("win32", "arm64", false), []);
  assert.deepStrictEqual(candidates("freebsd", "x64", false), []);
  assert.deepStrictEqual(candidates("linux", "ia32", true), []);
});

test("the binary is kvlint.exe on Windows", () => {
  assert.strictEqual(executable("win32"), "kvlint.exe");
  assert.strictEqual(executable("darwin"), "kvlint");
});
