#!/usr/bin/env bash
# Run the product: sets everything up (Python venv with torch + ipykernel, Node 24, code-server,
# the extension's npm packages), builds the Torchwise extension (.vsix), starts a real VS Code
# (code-server) with it installed on a copy of samples/, and prints the URL to open.
#
#   bash scripts/demo.sh            # then open the printed URL; Ctrl+C stops it
#   PORT=9000 HOST=0.0.0.0 bash scripts/demo.sh   # other port / listen on all interfaces
#
# Idempotent and fast on a second run (everything is cached in .venv, .tools, node_modules).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${PORT:-8080}"
HOST="${HOST:-127.0.0.1}"
DEMO="$ROOT/.cache/demo"
log() { printf '[demo] %s\n' "$*" >&2; }

# 1. Python: .venv runs the kernel (torch, ipykernel) and is the workspace interpreter.
bash "$ROOT/scripts/setup-python.sh"
PYTHON="$ROOT/.venv/bin/python"

# 2. Node 24, code-server, chromium, npm packages.
bash "$ROOT/scripts/setup-e2e.sh"
export PATH="$ROOT/.tools/node24/bin:$PATH"
CODE_SERVER="$ROOT/.tools/code-server/node_modules/.bin/code-server"

# 3. Build the extension, unless the .vsix is newer than everything it is built from (the files
#    scripts/vsix-inputs.txt names, as tests/vsix_build.py checks them), under
#    the lock the tests take: one build at a time, and none while another reads the archive.
mkdir -p "$DEMO"
exec 9>"$ROOT/.cache/vsix.lock"
if command -v flock >/dev/null; then flock 9; fi
VERSION="$(node -p "require('./package.json').version")"
VSIX="$ROOT/torchwise-$VERSION.vsix"
mapfile -t INPUTS < scripts/vsix-inputs.txt
if [ -f "$VSIX" ] && [ -z "$(find "${INPUTS[@]}" -type f -newer "$VSIX" -not -path '*/__pycache__/*' -print -quit 2>/dev/null)" ]; then
    log "the extension is up to date ($(basename "$VSIX"))"
else
    log "building the extension (npm run package)"
    npm run --silent package >"$DEMO/build.log" 2>&1 || { tail -40 "$DEMO/build.log" >&2; log "the build failed (log: $DEMO/build.log)"; exit 1; }
fi

# 4. A private code-server profile with the extension installed and the venv as interpreter.
mkdir -p "$DEMO/user-data/User" "$DEMO/user-data/Machine" "$DEMO/extensions" "$DEMO/home"
cat > "$DEMO/user-data/User/settings.json" <<JSON
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.startupPrompt": "never",
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "workbench.enableExperiments": false,
  "update.mode": "none",
  "git.openRepositoryInParentFolders": "never",
  "chat.disableAIFeatures": true
}
JSON
# torchwise.interpreter is machine-scoped: code-server reads it from the machine settings.
printf '{\n  "torchwise.interpreter": "%s"\n}\n' "$PYTHON" > "$DEMO/user-data/Machine/settings.json"
printf 'bind-addr: %s:%s\nauth: none\ncert: false\n' "$HOST" "$PORT" > "$DEMO/config.yaml"
# No extension gallery: the demo installs its .vsix from disk and must not call open-vsx.org (which it
# may not reach) when the page loads; the git setting above keeps the "git repository found in parent
# folders" toast away (the sample workspace lives inside this repository).
export EXTENSIONS_GALLERY='{}'
export HOME="$DEMO/home" XDG_CONFIG_HOME="$DEMO/home/.config" XDG_DATA_HOME="$DEMO/home/.local/share" XDG_CACHE_HOME="$DEMO/home/.cache"
CS_ARGS=(--config "$DEMO/config.yaml" --user-data-dir "$DEMO/user-data" --extensions-dir "$DEMO/extensions"
         --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override)
log "installing $(basename "$VSIX") into code-server"
"$CODE_SERVER" "${CS_ARGS[@]}" --install-extension "$VSIX" --force >/dev/null
exec 9>&-  # the build lock: released (code-server, started below, must not hold it)

# 5. The sample workspace: a copy, so trying the quick fixes never edits the repository. It is
#    made once and then kept: files you edit or add there survive the next start. Sample files
#    that are missing are copied in again; nothing there is ever deleted or overwritten.
WORKSPACE="${TORCHWISE_DEMO_WORKSPACE:-$DEMO/samples}"
if [ ! -d "$WORKSPACE" ]; then
    mkdir -p "$WORKSPACE"
    log "created the sample workspace $WORKSPACE"
else
    log "using the existing sample workspace $WORKSPACE (your changes there are kept)"
fi
cp -r -n "$ROOT/samples/." "$WORKSPACE/"

log "starting code-server on $HOST:$PORT"
"$CODE_SERVER" "${CS_ARGS[@]}" >"$DEMO/code-server.log" 2>&1 &
CS_PID=$!
trap 'kill "$CS_PID" 2>/dev/null || true; wait "$CS_PID" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 240); do
    if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
    kill -0 "$CS_PID" 2>/dev/null || { log "code-server exited:"; tail -20 "$DEMO/code-server.log" >&2; exit 1; }
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { log "code-server did not come up"; tail -20 "$DEMO/code-server.log" >&2; exit 1; }

URL="http://$HOST:$PORT/?folder=$WORKSPACE"
echo
echo "  Torchwise is running in VS Code (code-server). Open:"
echo
echo "      $URL"
echo
echo "  Try: quickstart.py (hover nn.CrossEntropyLoss, Run Cell, the torch.load quick fix),"
echo "  train_classifier.py (lint findings in the Problems panel), type 'pt-' for snippets."
echo "  Logs: $DEMO/code-server.log. Ctrl+C stops the server."
echo
if [ "${TORCHWISE_DEMO_EXIT_AFTER_READY:-0}" = "1" ]; then
    exit 0
fi
wait "$CS_PID"
