#!/usr/bin/env bash
# The action's install step: the release binary of the runner's platform when the version
# has one, else (or with `source`) the action's own checkout built with `cargo install
# --locked` into a cached folder. Puts kvlint on GITHUB_PATH.
set -euo pipefail
version=${KVLINT_VERSION:-source}
root=${KVLINT_ROOT:-$HOME/.cache/kvlint-action}
mkdir -p "$root/bin"
echo "$root/bin" >> "${GITHUB_PATH:-/dev/null}"

# The release archives' target names, by runner.
target() {
  case "${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}" in
    Linux-X64 | Linux-x86_64) echo x86_64-unknown-linux-musl ;;
    Linux-ARM64 | Linux-aarch64) echo aarch64-unknown-linux-musl ;;
    macOS-X64 | Darwin-x86_64) echo x86_64-apple-darwin ;;
    macOS-ARM64 | Darwin-arm64) echo aarch64-apple-darwin ;;
    Windows-X64) echo x86_64-pc-windows-msvc ;;
    *) echo unknown ;;
  esac
}

if [ "$version" != source ]; then
  t=$(target)
  repo=${KVLINT_REPOSITORY:-}
  url="https://github.com/$repo/releases/download/v${version#v}/kvlint-$t.tar.gz"
  if [ -n "$repo" ] && [ "$t" != unknown ] && curl -fsSL "$url" -o "$root/kvlint.tar.gz"; then
    tar -xzf "$root/kvlint.tar.gz" -C "$root/bin"
    echo "kvlint $version ($t) from $url"
    exit 0
  fi
  echo "No release binary of kvlint $version for $t; building it from the action's source."
fi

if [ -x "$root/bin/kvlint" ] && [ -f "$root/.built-from" ] \
  && [ "$(cat "$root/.built-from")" = "${GITHUB_ACTION_PATH:-}" ]; then
  echo "kvlint from the cache: $("$root/bin/kvlint" --version)"
  exit 0
fi
cargo install --locked --path "${GITHUB_ACTION_PATH:?the checkout of the action}" --root "$root"
echo "${GITHUB_ACTION_PATH}" > "$root/.built-from"
