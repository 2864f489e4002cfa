#!/usr/bin/env bash
# Run the test suite in the project environment (created on first use).
# Without arguments: every test, the slow end-to-end ones included (as CI),
# spread over the cores by pytest-xdist (one test file per worker at a time;
# UMT_TEST_WORKERS=N sets the worker count, default: the cores, at most 4).
# With arguments: exactly `python -m pytest -q ARGS` (add -n 2 to spread):
#   bash tools/run_tests.sh [pytest args...]   e.g. tests/test_compat.py -x
#   bash tools/run_tests.sh -m "not slow"      unit tests only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/env.sh
source "$ROOT/tools/env.sh"
cd "$ROOT"
if [ "$#" -eq 0 ]; then
    workers="${UMT_TEST_WORKERS:-$(nproc)}"
    if [ -z "${UMT_TEST_WORKERS:-}" ] && [ "$workers" -gt 4 ]; then
        workers=4
    fi
    set -- -n "$workers" --dist loadfile tests
fi
exec python -m pytest -q "$@"
