#!/usr/bin/env bash
# Zero-crash run on real code (issue 5): installs npm packages that ship TypeScript
# (over 5,000 .ts/.tsx files), then runs `kvlint check` and `kvlint check --fix
# --unsafe-fixes` over them and counts panics, aborts, time-outs, reverted fixes, and fixed
# files that no longer parse. Exits 1 if any count is not 0.
#
#   scripts/zero-crash.sh [WORK_DIR]
#
# A kvlint.toml naming common identifiers (`cache`, `store`, `data`, `e`, `t`…) as KV
# bindings makes nearly every file pass the prefilter, so every file is parsed. To make the
# rules fire and the fixes run on real code shapes, the copy retypes `Map`, `WeakMap` and
# `Storage` as `KVNamespace` (the code no longer type-checks; it must still parse after the
# fixes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"

if [ ! -d node_modules ]; then
  npm init -y >/dev/null
  npm install --no-audit --no-fund --ignore-scripts \
    effect rxjs zod @types/node typescript @cloudflare/workers-types hono \
    @mui/material @angular/core @aws-sdk/client-s3 >/dev/null
fi
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
kvlint="$root/target/release/kvlint"

# kvlint skips node_modules: lint a copy.
rm -rf corpus fixed
mkdir corpus
(cd node_modules && find . \( -name '*.ts' -o -name '*.tsx' -o -name '*.mts' -o -name '*.cts' \) -print0 | tar --null -T - -cf -) | tar -xf - -C corpus
find corpus -type f -print0 | xargs -0 sed -i -E 's/: (Weak)?Map</: KVNamespace</g; s/: Storage\b/: KVNamespace/g'
cat > corpus/kvlint.toml <<'TOML'
[bindings]
kv = ["cache", "store", "data", "map", "storage", "value", "e", "t"]
TOML
cp -r corpus fixed
files=$(find corpus \( -name '*.ts' -o -name '*.tsx' -o -name '*.mts' -o -name '*.cts' \) | wc -l)

status=0
run() {
  local out=$1; shift
  set +e
  "$kvlint" check "$@" --format json -o "$out" --file-timeout 10 2>"$out.stderr"
  local code=$?
  set -e
  if [ "$code" -gt 2 ]; then
    echo "kvlint ended with $code (an abort or a signal)"
    status=1
  fi
}

start=$(date +%s.%N)
run check.json corpus
mid=$(date +%s.%N)
run fix.json fixed --fix --unsafe-fixes
end=$(date +%s.%N)
# Every fixed file must still parse: lint the fixed tree once more.
run after.json fixed

python3 - "$files" "$start" "$mid" "$end" <<'PY' || status=1
import json, sys
files, start, mid, end = int(sys.argv[1]), *map(float, sys.argv[2:])
check = json.load(open("check.json"))
fix = json.load(open("fix.json"))
after = json.load(open("after.json"))
def count(ds, rule, text=""):
    return sum(1 for d in ds if d["rule"] == rule and text in d["message"])
syntax_before = {d["file"] for d in check if d["rule"] == "syntax-error"}
syntax_after = {d["file"].replace("fixed/", "corpus/", 1) for d in after if d["rule"] == "syntax-error"}
rows = {
    "files (.ts/.tsx/.mts/.cts)": files,
    "findings (check)": sum(1 for d in check if d["rule"] not in ("syntax-error", "internal-error")),
    "syntax errors in the input": len(syntax_before),
    "panics": count(check, "internal-error", "crashed") + count(fix, "internal-error", "crashed"),
    "files over the time limit": count(check, "internal-error", "took longer") + count(fix, "internal-error", "took longer"),
    "files too deeply nested": count(check, "internal-error", "nests more than"),
    "fixes reverted for breaking syntax": count(fix, "internal-error", "does not parse"),
    "fixes that did not converge": count(fix, "internal-error", "did not converge"),
    "fixed files that no longer parse": len(syntax_after - syntax_before),
    "findings left after --fix --unsafe-fixes": sum(1 for d in after if d["rule"] not in ("syntax-error", "internal-error")),
}
for k, v in rows.items():
    print(f"{k:45} {v}")
print(f"{'seconds: check / fix':45} {mid - start:.1f} / {end - mid:.1f}")
bad = ["panics", "files over the time limit", "fixes reverted for breaking syntax", "fixes that did not converge", "fixed files that no longer parse"]
sys.exit(1 if any(rows[k] for k in bad) or files < 5000 else 0)
PY
exit $status
