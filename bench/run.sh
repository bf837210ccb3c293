#!/usr/bin/env bash
# kvlint's benchmark: one command, from a fresh clone (needs the npm registry the first time).
#
#   bench/run.sh [WORK_DIR]          (default: $TMPDIR/kvlint-bench, outside any git repository:
#                                    the tools honour .gitignore files above the corpus)
#   BENCH_ESLINT=1 bench/run.sh      also time ESLint with equivalent selectors (slow)
#   BENCH_RUNS=N bench/run.sh        runs per measurement (default 3; the median is shown)
#
# Side by side, on the same machine and threads, it times:
#   kvlint check (--format compact: the human format renders a code frame per finding)  |  oxlint -A all -D no-debugger  |  ast-grep scan (bench/ast-grep rules)
#   | ESLint no-restricted-syntax (optional)  |  a parse-only floor (bench/parse-floor: swc
#   with kvlint's versions, one visitor)
# on (a) a real-TypeScript corpus of npm packages that ship their sources, (b) the same files
# with a config under which every file passes kvlint's prefilter, (c) a generated KV-heavy
# Worker corpus of 2,000 files (bench/gen-worker-corpus.py --kv-heavy); and kvlint on one
# file, one file of a 3,000-file project (p) with bindings declared and inferred, and with a
# migration finding (its group read from the project: with and without the ops cache, and cold
# with the page cache dropped where the bench runs as root), `--fix
# --unsafe-fixes` on a copy of (c), 1 vs 2 threads, and 500 → 2,000 files of (c).
# It prints wall time, CPU time, peak RSS and the ratios. Not part of the test suite.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-${TMPDIR:-/tmp}/kvlint-bench}
runs=${BENCH_RUNS:-3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
cd "$work"

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is needed ($2)" >&2; exit 1; }; }
need node "Node.js"
need npm "npm"
need python3 "the corpus generator and the timer"
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (Debian: apt-get install time)" >&2; exit 1; }

echo "== building kvlint and the parse-only floor (release)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
[ -f "$root/bench/parse-floor/Cargo.lock" ] || cp "$root/Cargo.lock" "$root/bench/parse-floor/Cargo.lock"
CARGO_TARGET_DIR="$root/target/bench" cargo build --release --quiet --manifest-path "$root/bench/parse-floor/Cargo.toml"
kvlint="$root/target/release/kvlint"
floor="$root/target/bench/release/parse-floor"

# The corpus packages and the peers, pinned.
PACKAGES="effect@3.19.19 rxjs@7.8.2 zod@4.1.12 @types/node@24.10.1 typescript@5.9.3 hono@4.13.19 @mui/material@7.3.5 @angular/core@20.3.12 @aws-sdk/client-s3@3.932.0 @cloudflare/workers-types@5.20261117.1"
PEERS="oxlint@1.94.0 @ast-grep/cli@0.51.1"
[ -n "${BENCH_ESLINT:-}" ] && PEERS="$PEERS eslint@10.15.0 @typescript-eslint/parser@8.48.0"
if [ ! -f npm/.installed ] || [ "$(cat npm/.installed)" != "$PACKAGES $PEERS" ]; then
  echo "== installing the corpus packages and the peers (npm)"
  rm -rf npm && mkdir npm
  (cd npm && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts $PACKAGES $PEERS >/dev/null)
  echo "$PACKAGES $PEERS" > npm/.installed
fi
oxlint="$work/npm/node_modules/.bin/oxlint"
sg="$work/npm/node_modules/.bin/ast-grep"
[ -x "$sg" ] || sg="$work/npm/node_modules/.bin/sg"

# (a): the packages' TypeScript files, copied out of node_modules (which every tool skips).
if [ ! -d corpus-a ]; then
  mkdir corpus-a
  (cd npm/node_modules && find . \( -name '*.ts' -o -name '*.tsx' -o -name '*.mts' -o -name '*.cts' \) \
    -not -path '*/node_modules/*/node_modules/*' -print0 | tar --null -T - -cf -) | tar -xf - -C corpus-a
fi
# (b): a config whose binding name every file contains: every file passes the prefilter.
printf '[bindings]\nkv = ["e"]\n' > all-files.toml
# (c): generated KV-heavy Workers.
[ -d corpus-c ] || python3 "$root/bench/gen-worker-corpus.py" corpus-c 2000 --kv-heavy
[ -d corpus-c500 ] || python3 "$root/bench/gen-worker-corpus.py" corpus-c500 500 --kv-heavy
# (p): a 3,000-file project of ordinary files, for one-file (pre-commit) runs; and the same
# project with no KV binding declared anywhere, where bindings are inferred from uses only KV
# has: that run reads every file of the project for them.
[ -d corpus-p ] || python3 "$root/bench/gen-worker-corpus.py" corpus-p 3000
if [ ! -d corpus-p-undeclared ]; then
  cp -r corpus-p corpus-p-undeclared
  printf 'name = "generated"\n' > corpus-p-undeclared/wrangler.toml
  rm corpus-p-undeclared/env.d.ts
fi
# (p) with a migration finding: `prefix` configured and one file with an unprefixed key, whose
# migration group is looked up in the whole project (every file that may call KV is read once).
if [ ! -d corpus-p-migration ]; then
  cp -r corpus-p corpus-p-migration
  printf '[rules.no-unprefixed-kv-key]\nprefix = "oauth:"\n' > corpus-p-migration/kvlint.toml
  printf "\nexport const token = (env: Env) => env.CACHE.get('refresh_token');\n" >> corpus-p-migration/src/area1/m1.ts
fi
# The same with a node_modules folder, where the project's KV ops are kept between runs (the
# project index's per-file cache, node_modules/.cache/kvlint/ops.json).
if [ ! -d corpus-p-migration-cached ]; then
  cp -r corpus-p-migration corpus-p-migration-cached
  mkdir corpus-p-migration-cached/node_modules
fi
files_a=$(find corpus-a -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.mts' -o -name '*.cts' \) | wc -l)
mb_a=$(du -sm corpus-a | cut -f1)
files_c=$(find corpus-c -name '*.ts' | wc -l)

# One measurement: the median of $runs runs of wall, user+sys CPU and peak RSS.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# BEFORE (a shell command), when set, runs before each timed run, untimed.
summarize() {
  local name=$1 file=$2 wall cpu rss
  wall=$(awk '{ print $1 }' "$file" | median)
  cpu=$(awk '{ print $2 + $3 }' "$file" | median)
  rss=$(awk '{ print $4 / 1024 }' "$file" | median)
  printf '%s\t%s\t%s\t%s\n' "$name" "$wall" "$cpu" "$rss" >> results.tsv
}
measure() {
  local name=$1; shift
  : > runs.txt
  for _ in $(seq "$runs"); do
    [ -n "${BEFORE:-}" ] && bash -c "$BEFORE"
    python3 "$root/bench/timed.py" runs.txt "$@"
  done
  summarize "$name" runs.txt
}
# measure_alternating NAME_A NAME_B A... -- B...: A and B run in turn (A B A B …), so that the
# machine's drift between blocks of runs (10 % here) does not bias the ratio of the two.
measure_alternating() {
  local name_a=$1 name_b=$2 into=a arg
  shift 2
  local a=() b=()
  for arg in "$@"; do
    if [ "$arg" = "--" ]; then into=b; elif [ "$into" = a ]; then a+=("$arg"); else b+=("$arg"); fi
  done
  : > runs-a.txt
  : > runs-b.txt
  for _ in $(seq "$runs"); do
    python3 "$root/bench/timed.py" runs-a.txt "${a[@]}"
    python3 "$root/bench/timed.py" runs-b.txt "${b[@]}"
  done
  summarize "$name_a" runs-a.txt
  summarize "$name_b" runs-b.txt
}

rm -f results.tsv
echo "== measuring ($runs runs each, median)"
echo "   (a) $files_a files, $mb_a MB; (c) $files_c generated files"
measure "a: kvlint" "$kvlint" check corpus-a --exit-zero --threads 2
measure "a: oxlint (1 rule)" "$oxlint" -A all -D no-debugger --threads 2 corpus-a
measure "a: ast-grep (6 rules)" "$sg" scan -c "$root/bench/ast-grep/sgconfig.yml" --threads 2 corpus-a
measure "a: parse-only floor" "$floor" --threads 2 corpus-a
measure_alternating "b: kvlint, every file parsed" "b: parse-only floor" \
  "$kvlint" check corpus-a --config all-files.toml --exit-zero --threads 2 --format compact -- "$floor" --threads 2 corpus-a
measure "b: kvlint, 1 thread" "$kvlint" check corpus-a --config all-files.toml --exit-zero --threads 1 --format compact
measure "c: kvlint" "$kvlint" check corpus-c --exit-zero --threads 2 --format compact
measure "c: kvlint, 1 thread" "$kvlint" check corpus-c --exit-zero --threads 1 --format compact
measure "c: kvlint, 500 files" "$kvlint" check corpus-c500 --exit-zero --threads 2 --format compact
measure "c: oxlint (1 rule)" "$oxlint" -A all -D no-debugger --threads 2 corpus-c
measure "c: ast-grep (6 rules)" "$sg" scan -c "$root/bench/ast-grep/sgconfig.yml" --threads 2 corpus-c
measure "c: parse-only floor" "$floor" --threads 2 corpus-c
# The fixes computed (every pass re-parsed and re-linted), nothing written.
measure "c: kvlint --diff --unsafe-fixes" "$kvlint" check corpus-c --diff --unsafe-fixes --exit-zero --threads 2
# --fix writes the files (atomically, each synced to disk): each run gets a fresh copy of
# (c), made and flushed to disk before the clock starts.
BEFORE="rm -rf '$work/corpus-c-fix' && cp -r '$work/corpus-c' '$work/corpus-c-fix' && sync" \
  measure "c: kvlint --fix --unsafe-fixes" "$kvlint" check corpus-c-fix --fix --unsafe-fixes --exit-zero --threads 2 --format compact
# The file system's own cost of replacing (c)'s files atomically as --fix does (temporary
# file, sync, rename), with no linting, for scale.
BEFORE="rm -rf '$work/corpus-c-fix' && cp -r '$work/corpus-c' '$work/corpus-c-fix' && sync" \
  measure "c: atomic rewrite, no linting" python3 "$root/bench/replace-files.py" corpus-c-fix
measure "c: kvlint report" "$kvlint" report corpus-c --format json -o /dev/null
# The --fix rows above leave thousands of written files for the kernel to flush: flushed
# first, so that writeback does not share the CPU with the short one-file runs below.
sync
sleep 1
# What spawning a command through timed.py and /usr/bin/time costs by itself (two processes
# besides the one measured): a few milliseconds that the one-file rows include.
measure "harness alone (/usr/bin/time true)" true
measure "one file (pre-commit)" "$kvlint" check corpus-c/src/area1/m1.ts --exit-zero
measure "one file of 3,000" "$kvlint" check corpus-p/src/area1/m1.ts --exit-zero
measure "one file of 3,000, inferred" "$kvlint" check corpus-p-undeclared/src/area1/m1.ts --exit-zero
measure "one file of 3,000, migration finding" "$kvlint" check corpus-p-migration/src/area1/m1.ts --exit-zero
"$kvlint" check corpus-p-migration-cached/src/area1/m1.ts --exit-zero >/dev/null || true
measure "one file of 3,000, migration, ops cached" "$kvlint" check corpus-p-migration-cached/src/area1/m1.ts --exit-zero
# Cold: the OS page cache dropped before each run (needs root; skipped, and said, without).
if [ -w /proc/sys/vm/drop_caches ]; then
  BEFORE="sync && echo 3 > /proc/sys/vm/drop_caches" \
    measure "one file of 3,000, migration, page cache dropped" "$kvlint" check corpus-p-migration/src/area1/m1.ts --exit-zero
  BEFORE="sync && echo 3 > /proc/sys/vm/drop_caches" \
    measure "the same, ops cached, page cache dropped" "$kvlint" check corpus-p-migration-cached/src/area1/m1.ts --exit-zero
else
  echo "   (not root: the page-cache-dropped runs are not measured)"
fi
if [ -n "${BENCH_ESLINT:-}" ]; then
  cat > eslint.config.mjs <<'JS'
import parser from "@typescript-eslint/parser";
export default [{
  files: ["**/*.ts", "**/*.tsx", "**/*.mts", "**/*.cts"],
  languageOptions: { parser },
  rules: {
    "no-restricted-syntax": ["warn",
      "CallExpression[callee.property.name='put'][arguments.length=2]",
      "CallExpression[callee.object.name='JSON'][callee.property.name='parse'] > AwaitExpression > CallExpression[callee.property.name='get']",
      "Property[key.name='expirationTtl'][value.value<60]",
      "CallExpression[callee.property.name=/^(get|put|delete)$/] > TemplateLiteral:first-child > TemplateElement[value.raw=/session:/]"],
  },
}];
JS
  measure "c: ESLint (4 selectors)" "$work/npm/node_modules/.bin/eslint" --no-config-lookup -c eslint.config.mjs corpus-c
fi

# The one-file runs timed without the harness, where `perf` is installed (21 runs, mean).
perf_one() {
  command -v perf >/dev/null 2>&1 || return 0
  perf stat -r 21 -x, -e task-clock "$@" 2>&1 >/dev/null | grep -q task-clock || return 0
  local t
  t=$( { perf stat -r 21 "$@" >/dev/null; } 2>&1 | awk '/seconds time elapsed/ { print $1 }')
  # Named by the file checked (the argument before --exit-zero).
  [ -n "$t" ] && printf '%s\t%s\n' "${*: -2:1}" "$t" >> perf-one.tsv
}
rm -f perf-one.tsv
perf_one "$kvlint" check corpus-c/src/area1/m1.ts --exit-zero
perf_one "$kvlint" check corpus-p/src/area1/m1.ts --exit-zero
perf_one "$kvlint" check corpus-p-undeclared/src/area1/m1.ts --exit-zero

echo
awk -F'\t' '
  { name[NR]=$1; wall[NR]=$2; cpu[NR]=$3; rss[NR]=$4; idx[$1]=NR }
  function ratio(a, b, f) { return (idx[b] && f[idx[b]] > 0) ? sprintf("%.2f", f[idx[a]] / f[idx[b]]) : "-" }
  END {
    printf "%-36s %9s %9s %9s\n", "measurement", "wall s", "CPU s", "RSS MB"
    for (i = 1; i <= NR; i++) printf "%-36s %9.3f %9.3f %9d\n", name[i], wall[i], cpu[i], rss[i]
    print ""
    print "ratios (targets in parentheses):"
    printf "  (a) kvlint wall / oxlint wall:              %s  (<= 1.0)\n", ratio("a: kvlint", "a: oxlint (1 rule)", wall)
    printf "  (b) kvlint CPU / parse-only floor CPU:      %s  (<= 1.3)\n", ratio("b: kvlint, every file parsed", "b: parse-only floor", cpu)
    printf "  (b) 1 thread wall / 2 threads wall:         %s  (>= 1.7)\n", ratio("b: kvlint, 1 thread", "b: kvlint, every file parsed", wall)
    printf "  (c) kvlint CPU / parse-only floor CPU:      %s  (<= 1.3)\n", ratio("c: kvlint", "c: parse-only floor", cpu)
    printf "  (c) 1 thread wall / 2 threads wall:         %s  (>= 1.7)\n", ratio("c: kvlint, 1 thread", "c: kvlint", wall)
    printf "  (c) 2,000 files / 500 files, wall:          %s  (linear: 4.0)\n", ratio("c: kvlint", "c: kvlint, 500 files", wall)
    printf "  (c) --fix wall / check wall:                %s  (<= 2.0)\n", ratio("c: kvlint --fix --unsafe-fixes", "c: kvlint", wall)
    printf "  (c) fixes computed (--diff) / check wall:   %s\n", ratio("c: kvlint --diff --unsafe-fixes", "c: kvlint", wall)
    fx = idx["c: kvlint --fix --unsafe-fixes"]; ck = idx["c: kvlint"]; rw = idx["c: atomic rewrite, no linting"]
    if (fx && ck && rw) printf "  (c) --fix wall / (check + atomic rewrite):  %.2f  (the rewrite alone: %.2f s)\n", wall[fx] / (wall[ck] + wall[rw]), wall[rw]
    printf "  (c) report wall / check wall:               %s  (<= 2.0)\n", ratio("c: kvlint report", "c: kvlint", wall)
    printf "  (c) kvlint wall / oxlint wall:              %s\n", ratio("c: kvlint", "c: oxlint (1 rule)", wall)
    printf "  (c) kvlint wall / ast-grep wall:            %s\n", ratio("c: kvlint", "c: ast-grep (6 rules)", wall)
    printf "  one file: %.3f s wall, %d MB  (<= 0.005 s, <= 20 MB)\n", wall[idx["one file (pre-commit)"]], rss[idx["one file (pre-commit)"]]
    printf "    (of which the harness alone, /usr/bin/time spawned from Python: %.3f s)\n", wall[idx["harness alone (/usr/bin/time true)"]]
    printf "  one file of a 3,000-file project: %.3f s wall, %d MB  (<= 0.020 s)\n", wall[idx["one file of 3,000"]], rss[idx["one file of 3,000"]]
    printf "  the same, bindings inferred (every file read, no cache): %.3f s wall, %d MB  (<= 0.030 s)\n", wall[idx["one file of 3,000, inferred"]], rss[idx["one file of 3,000, inferred"]]
    printf "  the same, with a migration finding (its group read from the project): %.3f s wall, %d MB  (<= 0.100 s)\n", wall[idx["one file of 3,000, migration finding"]], rss[idx["one file of 3,000, migration finding"]]
    printf "  the same, the project ops cached between runs: %.3f s wall, %d MB\n", wall[idx["one file of 3,000, migration, ops cached"]], rss[idx["one file of 3,000, migration, ops cached"]]
    if (idx["one file of 3,000, migration, page cache dropped"]) printf "  cold (page cache dropped): %.3f s wall without the ops cache, %.3f s with it  (<= 0.100 s)\n", wall[idx["one file of 3,000, migration, page cache dropped"]], wall[idx["the same, ops cached, page cache dropped"]]
    printf "  peak RSS, any kvlint run on a corpus: <= 100 MB\n"
  }' results.tsv
if [ -s perf-one.tsv ]; then
  echo "one-file runs without the harness (perf stat -r 21, mean wall):"
  awk -F'\t' '{ printf "  %-45s %.4f s\n", $1, $2 }' perf-one.tsv
fi
