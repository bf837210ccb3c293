#!/usr/bin/env bash
# The action's check step: annotations (`--format github`) or SARIF (kvlint.sarif), then a
# summary of the run in GITHUB_STEP_SUMMARY. It never fails itself: the exit code goes to
# GITHUB_OUTPUT, and the action's last step fails with it (after SARIF and the comment).
set -uo pipefail
kvlint=${KVLINT_BIN:-kvlint}
read -ra paths <<< "${KVLINT_PATHS:-.}"
read -ra args <<< "${KVLINT_ARGS:-}"
annotations=$(mktemp)
trap 'rm -f "$annotations"' EXIT
if [ "${KVLINT_SARIF:-false}" = true ]; then
  "$kvlint" check --format sarif -o kvlint.sarif "${args[@]}" "${paths[@]}"
  code=$?
else
  # One run: the annotations go to the log, and the summary counts them.
  "$kvlint" check --format github "${args[@]}" "${paths[@]}" > "$annotations"
  code=$?
  cat "$annotations"
fi
case $code in
  0) verdict="no findings" ;;
  1) verdict="findings to fix (run \`kvlint check --fix\` locally)" ;;
  *) verdict="the run failed (exit $code): see the log" ;;
esac
{
  echo "## kvlint: $verdict"
  echo
  if [ "${KVLINT_SARIF:-false}" = true ]; then
    echo "The findings are in code scanning (SARIF uploaded as \`kvlint\`)."
  elif [ -s "$annotations" ]; then
    echo "| rule | findings |"
    echo "|---|---|"
    sed -n 's/.*title=kvlint (\([a-z-]*\))::.*/\1/p' "$annotations" | sort | uniq -c \
      | while read -r n rule; do echo "| \`$rule\` | $n |"; done
  fi
} >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
echo "exit-code=$code" >> "${GITHUB_OUTPUT:-/dev/null}"
