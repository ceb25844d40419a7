#!/usr/bin/env bash
# Creates .venv and installs torchwise with its dev extra (pytest, pytest-lsp, torch 2.13.0,
# jupyter, ...). Idempotent: re-installs only when pyproject.toml changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
log() { printf '[setup-python] %s\n' "$*" >&2; }

"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' 2>/dev/null \
    || { log "Python >= 3.10 is required (found: $("$PYTHON" --version 2>&1))"; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.torchwise-pyproject"
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$ROOT/pyproject.toml"; then
    log "pip install -e .[dev] (torch 2.13.0 CPU and test tools)"
    "$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]" 2>&1 | grep -v '^WARNING: Location' || true
    "$VENV/bin/python" -c 'import torchwise, torch, pytest_lsp' \
        || { log "the Python install failed"; exit 1; }
    cp "$ROOT/pyproject.toml" "$stamp"
else
    log ".venv up to date"
fi
