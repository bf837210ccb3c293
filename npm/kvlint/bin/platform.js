// Which platform package holds this machine's kvlint binary. kvlint ships one package per
// release target (`kvlint-<os>-<cpu>[-<libc>]`, an optional dependency of `kvlint`); on Linux
// the static musl build runs on any libc, so a glibc machine takes a `-gnu` build when one is
// installed and the `-musl` one otherwise.
"use strict";

// The release targets, as npm names them (process.platform-process.arch[-libc]): what a
// release publishes, one package each.
const TARGETS = ["linux-x64-musl", "linux-arm64-musl", "darwin-x64", "darwin-arm64", "win32-x64"];
// Packages `npm/pack.sh` makes of a build on a glibc machine (not published).
const LOCAL = ["linux-x64-gnu", "linux-arm64-gnu"];

// The package names to try, in order, for a platform, a CPU and (on Linux) whether the C
// library is glibc; none when kvlint is not built for it.
function candidates(platform, arch, glibc) {
  const base = `${platform}-${arch}`;
  const names = platform === "linux" ? (glibc ? [`${base}-gnu`, `${base}-musl`] : [`${base}-musl`]) : [base];
  return names.filter((t) => TARGETS.includes(t) || LOCAL.includes(t)).map((t) => `kvlint-${t}`);
}

// The binary's file name in its package.
function executable(platform) {
  return platform === "win32" ? "kvlint.exe" : "kvlint";
}

// Whether this process runs on glibc (Node reports its version there).
function isGlibc() {
  try {
    const report = process.report && process.report.getReport();
    return Boolean(report && report.header && report.header.glibcVersionRuntime);
  } catch {
    return false;
  }
}

module.exports = { TARGETS, LOCAL, candidates, executable, isGlibc };
