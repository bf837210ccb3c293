#!/usr/bin/env bash
# The action's comment step, on a pull request: `kvlint report --base <base sha> --format
# markdown`, posted as one comment that later pushes update in place (found by its marker),
# with `gh` and the job's token; also added to the step summary. A budget passed
# ([report.budget]) fails the step after the comment is posted.
set -euo pipefail
kvlint=${KVLINT_BIN:-kvlint}
marker='<!-- kvlint-report -->'
base=${KVLINT_BASE:?the base commit of the pull request}
pr=${KVLINT_PR:?the number of the pull request}
repo=${GITHUB_REPOSITORY:?owner/name}
read -ra paths <<< "${KVLINT_PATHS:-.}"
read -ra args <<< "${KVLINT_REPORT_ARGS:-}"
# A shallow checkout may lack the base commit.
if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
  git fetch --no-tags --depth=1 origin "$base"
fi
body=$(mktemp)
trap 'rm -f "$body"' EXIT
echo "$marker" > "$body"
set +e
"$kvlint" report --base "$base" --format markdown "${args[@]}" "${paths[@]}" >> "$body"
code=$?
set -e
if [ "$code" -ge 2 ]; then
  echo "kvlint report failed (exit $code); no comment posted" >&2
  exit "$code"
fi
cat "$body" >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
existing=$(gh api "repos/$repo/issues/$pr/comments" --paginate \
  --jq ".[] | select(.body | startswith(\"$marker\")) | .id" | head -n 1)
if [ -n "$existing" ]; then
  gh api -X PATCH "repos/$repo/issues/comments/$existing" -F "body=@$body" > /dev/null
  echo "Updated the KV cost comment ($existing)."
else
  gh api -X POST "repos/$repo/issues/$pr/comments" -F "body=@$body" > /dev/null
  echo "Posted the KV cost comment."
fi
exit "$code"
