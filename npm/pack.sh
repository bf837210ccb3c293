#!/usr/bin/env bash
# Packs kvlint for npm: the `kvlint` package (a small JS bin) and the package of this
# machine's platform (`kvlint-<os>-<cpu>[-gnu|-musl]`) holding the binary, both with the
# crate's version, as tarballs in OUT_DIR (default: target/npm).
#
#   npm/pack.sh [OUT_DIR] [--binary PATH]   (default: builds `cargo build --release`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/target/npm
binary=""
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
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
os=$(node -p process.platform)
cpu=$(node -p process.arch)
libc_field=""
suffix=""
if [ "$os" = linux ]; then
  if ldd --version 2>&1 | grep -qi musl; then suffix=-musl; libc_field='"libc": ["musl"],'; else suffix=-gnu; libc_field='"libc": ["glibc"],'; fi
fi
target=$os-$cpu$suffix
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/platform/bin"
cp "$binary" "$work/platform/bin/kvlint"
chmod +x "$work/platform/bin/kvlint"
sed -e "s/@TARGET@/$target/g" -e "s/@VERSION@/$version/g" -e "s/@OS@/$os/g" -e "s/@CPU@/$cpu/g" \
  -e "s/@LIBC@/$libc_field/" "$root/npm/platform/package.json.in" > "$work/platform/package.json"

cp -r "$root/npm/kvlint" "$work/kvlint"
cp "$root/README.md" "$work/kvlint/README.md"
node -e '
  const fs = require("fs");
  const [file, version, dep] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  pkg.version = version;
  pkg.optionalDependencies = { [dep]: version };
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
' "$work/kvlint/package.json" "$version" "kvlint-$target"

(cd "$work/platform" && npm pack --silent --pack-destination "$out" >/dev/null)
(cd "$work/kvlint" && npm pack --silent --pack-destination "$out" >/dev/null)
say "wrote two tarballs to $out: install both (npm i -D <both>), then run npx kvlint"
echo "$out/kvlint-$version.tgz"
echo "$out/kvlint-$target-$version.tgz"
