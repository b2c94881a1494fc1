#!/usr/bin/env bash
# Install kubevet for the GitHub Action (action.yml) into a virtualenv of its own.
#
# GITHUB_ACTION_PATH  the action's checkout: the kubevet that is installed (KUBEVET_SOURCE
#                 overrides it; the runner translates this variable into a job container,
#                 unlike the expression github.action_path)
# KUBEVET_EXTRAS  extras, comma-separated (e.g. helm); may be empty
# KUBEVET_PYTHON  the Python to create the virtualenv with (default python3)
# RUNNER_TEMP     where the virtualenv goes (GitHub sets it)
# GITHUB_OUTPUT   gets kubevet=<path of the executable>; GITHUB_PATH gets its directory,
#                 so later steps of the job can run kubevet too
set -euo pipefail

source_dir="${KUBEVET_SOURCE:-${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH (the action checkout) is not set}}"
python="${KUBEVET_PYTHON:-python3}"
extras="${KUBEVET_EXTRAS:-}"
extras="${extras//[[:space:]]/}"
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/kubevet-action-venv"

if ! command -v "$python" >/dev/null 2>&1; then
    echo "::error title=kubevet::no Python interpreter '$python' on this runner (use actions/setup-python, or set the python input)"
    exit 2
fi
"$python" -m venv "$venv"
bin="$venv/bin"
[ -d "$bin" ] || bin="$venv/Scripts"  # Windows runners
target="$source_dir"
[ -z "$extras" ] || target="${source_dir}[${extras}]"
"$bin/python" -m pip install --quiet --disable-pip-version-check "$target"

kubevet="$bin/kubevet"
[ -x "$kubevet" ] || kubevet="$bin/kubevet.exe"
"$kubevet" --version
echo "kubevet=$kubevet" >> "${GITHUB_OUTPUT:-/dev/null}"
echo "$bin" >> "${GITHUB_PATH:-/dev/null}"
