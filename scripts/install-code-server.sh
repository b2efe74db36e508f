#!/usr/bin/env bash
# Installs code-server (VS Code 1.100.3 in a browser, the last release that runs on Node 20) and
# Debian's Chromium for the extension-host tests and browser E2E (test/e2e/vscode.test.ts in
# `npm test`, or test/e2e/runVscodeTests.ts). Idempotent: Debian packages only when missing, the
# npm install only when the cache folder lacks this version. code-server lives in a cache folder
# of its own, never in the project's dependencies.
#
#   bash scripts/install-code-server.sh        # prints the code-server binary's path last
#
# Environment: LATENCY_CODE_SERVER_DIR overrides the install folder.
set -euo pipefail

VERSION=4.100.3
DIR="${LATENCY_CODE_SERVER_DIR:-$HOME/.cache/latency-test/code-server-$VERSION}"
BIN="$DIR/node_modules/.bin/code-server"
# @vscode/ripgrep (a dependency of code-server's VS Code) downloads its binary from GitHub at
# install time unless this archive is already in its cache; we build it from Debian's rg.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_VERSION=v13.0.0-10

log() { echo "install-code-server: $*" >&2; }

apt_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

installed_version() {
  [ -x "$BIN" ] || return 1
  node -p "require('$DIR/node_modules/code-server/package.json').version" 2>/dev/null
}

if [ "$(installed_version || true)" = "$VERSION" ]; then
  log "code-server $VERSION already installed in $DIR"
else
  # 1. Debian packages: headers for code-server's native modules (kerberos, native-keymap,
  #    @vscode/spdlog...), and ripgrep for the archive below. Chromium drives the workbench.
  apt_install_missing libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium build-essential python3

  # 2. The ripgrep archive, where @vscode/ripgrep's postinstall looks before downloading.
  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-gnu ;;
    *) log "unsupported architecture $(uname -m)"; exit 1 ;;
  esac
  rg_cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  rg_archive="$rg_cache/ripgrep-$RIPGREP_VERSION-$rg_target.tar.gz"
  if [ ! -s "$rg_archive" ]; then
    log "building $rg_archive from $(command -v rg)"
    mkdir -p "$rg_cache"
    tar -czf "$rg_archive" -C "$(dirname "$(command -v rg)")" rg
  fi

  # 3. code-server itself, in its own folder (a package.json there stops npm from walking up
  #    into whatever project the folder sits in).
  mkdir -p "$DIR"
  [ -f "$DIR/package.json" ] || echo '{ "name": "latency-code-server", "private": true }' >"$DIR/package.json"
  # Native modules (argon2, kerberos, ...) must build against the Node headers on this machine:
  # node-gyp would otherwise download them from nodejs.org, which is unreachable here.
  nodedir="${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null || true)}"
  if [ -z "$nodedir" ] || [ "$nodedir" = "undefined" ]; then
    node_prefix="$(dirname "$(dirname "$(command -v node)")")"
    if [ -f "$node_prefix/include/node/node_api.h" ]; then
      export npm_config_nodedir="$node_prefix"
      log "building native modules against $node_prefix/include/node"
    fi
  fi
  log "npm install code-server@$VERSION in $DIR (several minutes)"
  (
    cd "$DIR"
    npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$VERSION"
  )
  if [ "$(installed_version || true)" != "$VERSION" ]; then
    log "code-server $VERSION did not install into $DIR"
    exit 1
  fi
fi

# Chromium drives the workbench; it may be missing where code-server is already installed.
command -v chromium >/dev/null 2>&1 || apt_install_missing chromium
command -v chromium >/dev/null 2>&1 || { log "chromium is missing and did not install (apt-get install chromium)"; exit 1; }
log "chromium: $(command -v chromium)"
echo "$BIN"
