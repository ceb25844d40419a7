#!/usr/bin/env bash
# Installs torchwise (with its knowledge/ and snippets/ data) and the server's pure-Python
# dependencies into bundled/libs, which the extension puts on PYTHONPATH: the .vsix then works with a
# bare Python >= 3.10 that has nothing installed. Markers are evaluated for the oldest supported
# Python (3.10), so back-ports such as tomli and exceptiongroup are included; they are inert on newer
# Pythons. Only pure-Python wheels are accepted (no compiled code in the extension).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON="python3"; fi
fi
OUT="$ROOT/bundled/libs"
WHEELS="$(mktemp -d)"
trap 'rm -rf "$WHEELS"' EXIT

echo "[bundle-python-libs] building the torchwise wheel" >&2
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$WHEELS" "$ROOT" >&2

rm -rf "$OUT"
mkdir -p "$OUT"
echo "[bundle-python-libs] installing torchwise and its dependencies into bundled/libs" >&2
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile \
    --target "$OUT" \
    --only-binary=:all: --implementation py --python-version 3.10 --abi none --platform any \
    "$WHEELS"/torchwise-*.whl "tomli>=2.0" "exceptiongroup>=1.1.1" >&2

# Metadata and caches are not needed at run time.
find "$OUT" -name '__pycache__' -type d -prune -exec rm -rf {} +
rm -rf "$OUT/bin"

compiled="$(find "$OUT" \( -name '*.so' -o -name '*.pyd' -o -name '*.dylib' \) | head -5)"
if [ -n "$compiled" ]; then
    echo "[bundle-python-libs] compiled files found in the bundle (dependencies must be pure Python):" >&2
    echo "$compiled" >&2
    exit 1
fi
for required in torchwise pygls lsprotocol jedi torchwise/_data/knowledge; do
    [ -e "$OUT/$required" ] || { echo "[bundle-python-libs] $required missing from bundled/libs" >&2; exit 1; }
done
echo "[bundle-python-libs] $(ls "$OUT" | grep -v dist-info | tr '\n' ' ')" >&2
