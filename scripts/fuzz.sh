#!/usr/bin/env bash
# The long version of the document-model fuzz tests (the suite runs a bounded one):
# random incremental edits with every Unicode line break, CRLF/CR, astral characters and
# positions at and past line ends, through the real server and against the document
# model directly. Each must equal an independent reference model after every change.
#   bash scripts/fuzz.sh [EDITS] [EXAMPLES]        # defaults: 5000 edits, 5000 examples
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup-python.sh
for seed in 1 2 3; do
    TORCHWISE_FUZZ_SEED=$seed TORCHWISE_FUZZ_EDITS="${1:-5000}" TORCHWISE_FUZZ_EXAMPLES="${2:-5000}" \
        .venv/bin/python -m pytest -q -p no:cacheprovider \
        tests/test_text.py tests/test_reliability_lsp.py -k "random_edits or reference" --timeout 3600
done
