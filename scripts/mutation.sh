#!/usr/bin/env bash
# Mutation score per module (mutmut's mutation operators, each mutant run against the
# module's fast tests; see scripts/mutation.py). Not in CI: minutes per module.
#   scripts/mutation.sh                       # every configured module
#   scripts/mutation.sh text.py lint/fix.py   # some modules
#   scripts/mutation.sh lint/output.py --max-mutants 40
#   scripts/mutation.sh --rule missing-zero-grad  # one rule of the sample (RULE_SAMPLE in mutation.py)
# Needs the dev extra (mutmut). Equivalent mutants: tests/mutation_equivalents.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export PYTHONPATH="$PWD/server${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" scripts/mutation.py "$@"
