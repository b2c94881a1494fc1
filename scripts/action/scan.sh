#!/usr/bin/env bash
# Run `kubevet scan` for the GitHub Action (action.yml).
#
# Writes annotations (the github format) and the text report to the log, and SARIF to
# KUBEVET_SARIF_FILE. It does not fail on findings: it records kubevet's exit code as the
# step output exit-code, and the action's last step fails with it, after the SARIF upload.
#
# KUBEVET              the kubevet executable (default: kubevet on PATH)
# KUBEVET_PATHS        paths to scan, separated by white space or new lines (default: .)
# KUBEVET_FAIL_ON      error, warning or info (default: error)
# KUBEVET_CONFIG       configuration file, may be empty
# KUBEVET_BASELINE     baseline file, may be empty
# KUBEVET_ARGS         more arguments, split as a shell would split them but never expanded
# KUBEVET_ANNOTATIONS  true: also write the github format (annotations)
# KUBEVET_SARIF_FILE   SARIF report to write, may be empty
# GITHUB_WORKSPACE     the repository; kubevet runs there, so paths in reports are relative to it
# GITHUB_OUTPUT        gets exit-code=N and, when a SARIF report was written, sarif-file=PATH
# GITHUB_STEP_SUMMARY  gets kubevet's summary line
set -euo pipefail

kubevet="${KUBEVET:-kubevet}"
cd "${GITHUB_WORKSPACE:-.}"

read -r -d '' -a paths <<< "${KUBEVET_PATHS:-}" || true
[ "${#paths[@]}" -gt 0 ] || paths=(.)

args=(scan "${paths[@]}" --fail-on "${KUBEVET_FAIL_ON:-error}")
[ -z "${KUBEVET_CONFIG:-}" ] || args+=(--config "$KUBEVET_CONFIG")
[ -z "${KUBEVET_BASELINE:-}" ] || args+=(--baseline "$KUBEVET_BASELINE")
if [ -n "${KUBEVET_ARGS:-}" ]; then
    # shlex, not eval: the words of the input, with quotes honoured and nothing expanded
    python="$(dirname "$(command -v "$kubevet")")/python"
    [ -x "$python" ] || python="python3"
    extra=()
    while IFS= read -r -d '' word; do
        extra+=("$word")
    done < <("$python" -c 'import shlex, sys; sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' "$KUBEVET_ARGS")
    args+=("${extra[@]}")
fi
[ "${KUBEVET_ANNOTATIONS:-true}" != "true" ] || args+=(-f github)
args+=(-f text)
sarif="${KUBEVET_SARIF_FILE:-}"
if [ -n "$sarif" ]; then
    rm -f -- "$sarif"
    mkdir -p -- "$(dirname -- "$sarif")"
    args+=(-f sarif -o "$sarif")
fi

echo "kubevet ${args[*]}"
log="$(mktemp)"
trap 'rm -f -- "$log"' EXIT
set +e
"$kubevet" "${args[@]}" | tee "$log"
code="${PIPESTATUS[0]}"
set -e

{
    echo "exit-code=$code"
    if [ -n "$sarif" ] && [ -s "$sarif" ]; then
        echo "sarif-file=$sarif"
    fi
} >> "${GITHUB_OUTPUT:-/dev/null}"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    summary="$(grep -E '^(No findings|[0-9]+ findings?) ' "$log" | tail -n 1 || true)"
    echo "**kubevet** (exit code $code): ${summary:-see the log}" >> "$GITHUB_STEP_SUMMARY"
fi
exit 0
