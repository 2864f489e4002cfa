#!/usr/bin/env bash
# Lint with the settings in setup.cfg: flake8 (max-line-length 79) and the
# isort order check. Exits non-zero on any violation.
#   bash tools/lint.sh [paths...]   (default: umt_mm tools tests configs)
#   FIX=1 bash tools/lint.sh        sort imports in place, then check
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/env.sh
source "$ROOT/tools/env.sh"
cd "$ROOT"
if [ "$#" -eq 0 ]; then
    set -- umt_mm tools tests configs
fi
if [ "${FIX:-0}" = 1 ]; then
    python -m isort "$@"
fi
rc=0
echo "flake8 $*"
python -m flake8 "$@" || rc=1
echo "isort --check-only $*"
python -m isort --check-only --diff "$@" || rc=1
if [ "$rc" -eq 0 ]; then
    echo "lint: no violations"
else
    echo "lint: violations above (setup.cfg [flake8] / [isort])" >&2
fi
exit "$rc"
