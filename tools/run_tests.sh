#!/usr/bin/env bash
# Run the test suite in the project environment (created on first use).
# Without arguments: every test, the slow end-to-end ones included (as CI).
#   bash tools/run_tests.sh [pytest args...]   e.g. tests/test_compat.py -x
#   bash tools/run_tests.sh -m "not slow"      unit tests only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/env.sh
source "$ROOT/tools/env.sh"
cd "$ROOT"
if [ "$#" -eq 0 ]; then
    set -- tests
fi
exec python -m pytest -q "$@"
