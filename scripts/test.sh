#!/usr/bin/env bash
# Runs every test: unit, LSP end-to-end, kernel, knowledge, lint, snippets, and the
# end-to-end tests in a real VS Code (code-server + chromium). Sets up what they need
# first (idempotent). Extra arguments go to pytest, e.g. `bash scripts/test.sh -k hover`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup-python.sh
bash scripts/fetch-torchvision-source.sh || echo "[test] torchvision wheel not available: its static check will skip"
bash scripts/setup-e2e.sh
set +e
# One pytest-xdist worker per CPU (TORCHWISE_TEST_WORKERS overrides; 0 = no workers), a test
# file per worker at a time (module-scoped servers and code-servers stay shared); the .vsix
# build that several files need is made once, under a lock (tests/vsix_build.py).
.venv/bin/python -m pytest -ra -n "${TORCHWISE_TEST_WORKERS:-auto}" --dist loadfile "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "[test] pytest collected no tests" >&2
    exit 1
fi
exit "$status"
