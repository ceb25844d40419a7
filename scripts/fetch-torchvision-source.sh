#!/usr/bin/env bash
# Downloads (does NOT install) the torchvision wheel that matches the installed torch into
# .cache/torchvision/, so tests/test_knowledge_torchvision.py can check the knowledge base's
# torchvision names statically (torchvision cannot be imported here). About 8 MB, one file.
# A second run finds the wheel in place and returns at once.
#
#   TORCHWISE_TORCHVISION_VERSION  pin a version (default: the release paired with torch,
#                                  torch 2.X.* -> torchvision 0.(X+15).*)
#   PYTHON                         interpreter whose pip and torch to use (default: .venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
DEST="$ROOT/.cache/torchvision"
mkdir -p "$DEST"

SPEC="$("$PY" - <<'EOF'
import os
from importlib.metadata import PackageNotFoundError, version

pinned = os.environ.get("TORCHWISE_TORCHVISION_VERSION")
if pinned:
    print(f"torchvision=={pinned}")
else:
    try:
        major, minor = version("torch").split("+")[0].split(".")[:2]
        print(f"torchvision==0.{int(minor) + 15}.*" if major == "2" else "torchvision")
    except PackageNotFoundError:
        print("torchvision")
EOF
)"

VERSION_GLOB="${SPEC#torchvision==}"               # 0.28.* or 0.28.0 (or "torchvision" when unknown)
[ "$VERSION_GLOB" = "torchvision" ] && VERSION_GLOB="*"
if ls "$DEST"/torchvision-$VERSION_GLOB-*.whl >/dev/null 2>&1; then
    echo "[fetch-torchvision-source] already present: $(ls "$DEST"/torchvision-$VERSION_GLOB-*.whl)" >&2
    exit 0
fi
echo "[fetch-torchvision-source] pip download $SPEC -> $DEST" >&2
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --timeout 30 --retries 1 -d "$DEST" "$SPEC"
ls "$DEST"/torchvision-$VERSION_GLOB-*.whl
