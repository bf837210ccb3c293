#!/usr/bin/env node
// Runs the kvlint binary of this platform's package (an optional dependency of `kvlint`),
// passing the arguments, stdio and exit code through unchanged.
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");

function libc() {
  if (process.platform !== "linux") return "";
  try {
    const report = process.report && process.report.getReport();
    if (report && report.header && report.header.glibcVersionRuntime) return "-gnu";
  } catch {}
  return "-musl";
}

const target = `${process.platform}-${process.arch}${libc()}`;
const pkg = `kvlint-${target}`;
const exe = process.platform === "win32" ? "kvlint.exe" : "kvlint";
let binary;
try {
  binary = require.resolve(`${pkg}/bin/${exe}`);
} catch {
  console.error(
    `kvlint: no binary for this platform (${target}): the package ${pkg} is not installed.\n` +
      "kvlint ships binaries for the platforms it is built on; build it from source with\n" +
      "`cargo install --path .` in a clone of kvlint, and run that binary.",
  );
  process.exit(2);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: "inherit" });
if (result.error) {
  console.error(`kvlint: cannot run ${binary}: ${result.error.message}`);
  process.exit(2);
}
process.exit(result.status === null ? 2 : result.status);
