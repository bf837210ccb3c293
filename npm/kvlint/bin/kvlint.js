#!/usr/bin/env node
// Runs the kvlint binary of this platform's package (an optional dependency of `kvlint`),
// passing the arguments, stdio and exit code through unchanged.
"use strict";
const { spawnSync } = require("node:child_process");
const { candidates, executable, isGlibc } = require("./platform.js");

const glibc = process.platform === "linux" && isGlibc();
const target = `${process.platform}-${process.arch}${process.platform === "linux" ? (glibc ? "-gnu" : "-musl") : ""}`;
const exe = executable(process.platform);
let binary;
for (const pkg of candidates(process.platform, process.arch, glibc)) {
  try {
    binary = require.resolve(`${pkg}/bin/${exe}`);
    break;
  } catch {}
}
if (!binary) {
  console.error(
    `kvlint: no binary for this platform (${target}): no kvlint-${target} package is installed.\n` +
      "kvlint ships binaries for linux (x64, arm64), macOS (x64, arm64) and Windows (x64); elsewhere,\n" +
      "build it from source with `cargo install --path .` in a clone of kvlint, and run that binary.",
  );
  process.exit(2);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  console.error(`kvlint: cannot run ${binary}: ${result.error.message}`);
  process.exit(2);
}
process.exit(result.status === null ? 2 : result.status);
