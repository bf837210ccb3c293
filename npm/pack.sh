#!/usr/bin/env bash
# Packs kvlint for npm: the `kvlint` package (a small JS bin) and the package of this
# machine's platform (`kvlint-<os>-<cpu>[-gnu|-musl]`) holding the binary, both with the
# crate's version, as tarballs in OUT_DIR (default: target/npm).
#
#   npm/pack.sh [OUT_DIR] [--binary PATH] [--target NAME] [--all-targets]
#
# --target names the platform package of a binary built elsewhere (a release build for
# another target: linux-x64-musl, linux-arm64-musl, darwin-x64, darwin-arm64, win32-x64);
# --all-targets makes the `kvlint` package depend on every release target's package (what a
# release publishes), not only this one's. Default binary: `cargo build --release`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/target/npm
binary=""
target=""
all_targets=false
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --target) target=$2; shift 2 ;;
    --all-targets) all_targets=true; shift ;;
    *) out=$1; shift ;;
  esac
done
# What it is doing goes to stderr; stdout carries only the two tarballs' paths.
say() { echo "npm/pack.sh: $*" >&2; }
version=$(grep -m1 '^version = ' "$root/Cargo.toml" | cut -d'"' -f2)
if [ -z "$binary" ]; then
  say "building the release binary (cargo build --release --locked; several minutes on a fresh machine)..."
  cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml"
  binary=$root/target/release/kvlint
fi
say "packing kvlint $version with the binary $binary"
if [ -z "$target" ]; then
  os=$(node -p process.platform)
  cpu=$(node -p process.arch)
  suffix=""
  if [ "$os" = linux ]; then
    if ldd --version 2>&1 | grep -qi musl; then suffix=-musl; else suffix=-gnu; fi
  fi
  target=$os-$cpu$suffix
fi
IFS=- read -r os cpu libc <<< "$target"
case ${libc:-} in
  musl) libc_field='"libc": ["musl"],' ;;
  gnu) libc_field='"libc": ["glibc"],' ;;
  *) libc_field="" ;;
esac
# A static musl build runs on any Linux: its package is not limited to musl machines.
[ "${libc:-}" = musl ] && [ "$all_targets" = true ] && libc_field=""
exe=kvlint
[ "$os" = win32 ] && exe=kvlint.exe
targets=$target
if [ "$all_targets" = true ]; then
  targets=$(node -p 'require(process.argv[1]).TARGETS.join(" ")' "$root/npm/kvlint/bin/platform.js")
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/platform/bin"
cp "$binary" "$work/platform/bin/$exe"
chmod +x "$work/platform/bin/$exe"
sed -e "s/@TARGET@/$target/g" -e "s/@VERSION@/$version/g" -e "s/@OS@/$os/g" -e "s/@CPU@/$cpu/g" \
  -e "s/@LIBC@/$libc_field/" "$root/npm/platform/package.json.in" > "$work/platform/package.json"

cp -r "$root/npm/kvlint" "$work/kvlint"
cp "$root/README.md" "$work/kvlint/README.md"
node -e '
  const fs = require("fs");
  const [file, version, targets] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.version = version;
  pkg.optionalDependencies = Object.fromEntries(targets.split(" ").map((t) => [`kvlint-${t}`, version]));
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$work/kvlint/package.json" "$version" "$targets"

(cd "$work/platform" && npm pack --silent --pack-destination "$out" >/dev/null)
(cd "$work/kvlint" && npm pack --silent --pack-destination "$out" >/dev/null)
say "wrote two tarballs to $out: install both (npm i -D <both>), then run npx kvlint"
echo "$out/kvlint-$version.tgz"
echo "$out/kvlint-$target-$version.tgz"
