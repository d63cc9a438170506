#!/usr/bin/env bash
# Builds the real-generator corpus: for each app, deploys v1, v2 (and kill switches where the
# generator has one) written by the real tools (workbox-build, vite + vite-plugin-pwa,
# vite + @serwist/vite, @angular/service-worker's ngsw-config), into OUT/<app>/<deploy>/.
#
#   tests/real/build.sh [OUT]          OUT defaults to tests/real/out (what specs/*.yaml read)
#
# The pinned packages (package.json + package-lock.json beside this script) are installed with
# `npm ci` into a cache directory, SWGATE_NPM_CACHE (default target/real-npm), once per lockfile:
# a stamp there holds the hash of the lockfile, package.json and Node's version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$here/out}"
npm_dir="${SWGATE_NPM_CACHE:-$repo/target/real-npm}"
mkdir -p "$out" "$npm_dir"
out="$(cd "$out" && pwd)"
npm_dir="$(cd "$npm_dir" && pwd)"

log() { printf 'build.sh: %s\n' "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
start="$(now)"

# --- npm ci, once per lockfile --------------------------------------------------------------
stamp="$(cat "$here/package.json" "$here/package-lock.json" <(node --version) | sha256sum | cut -d' ' -f1)"
if [[ -f "$npm_dir/.stamp" && "$(cat "$npm_dir/.stamp")" == "$stamp" && -d "$npm_dir/node_modules" ]]; then
  log "node_modules up to date in $npm_dir"
else
  t="$(now)"
  rm -f "$npm_dir/.stamp"
  cp "$here/package.json" "$here/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$stamp" >"$npm_dir/.stamp"
  log "npm ci in $npm_dir took $(since "$t")"
fi
export SWGATE_NPM_DIR="$npm_dir"

# --- the builds -----------------------------------------------------------------------------
# Vite resolves the app's imports (virtual:pwa-register -> workbox-window; serwist in the
# Serwist worker) from the project's directory upward, so the project is staged beside the
# cached node_modules.
stage="$npm_dir/stage"
rm -rf "$stage"
mkdir -p "$stage/tmp"
# workbox-build bundles each generateSW worker in a temp dir it never removes: keep those here.
export TMPDIR="$stage/tmp"

vite_app() { # APP SOURCE [REGISTER_TYPE]   SOURCE: a project under apps/
  local app="$1" source="$2" register="${3:-}" version
  cp -r "$here/apps/$source" "$stage/$app"
  for version in v1 v2; do
    (cd "$stage/$app" && VITE_APP_NAME="$app" VITE_APP_VERSION="$version" \
      SWGATE_PWA_REGISTER="$register" SWGATE_VITE_OUT="$out/$app/$version" \
      "$npm_dir/node_modules/.bin/vite" build)
    log "$app/$version built"
  done
}

t="$(now)"
# Two lanes for two cores: Workbox (rollup + babel + terser per worker) beside Vite (with
# vite-plugin-pwa or Serwist) and Angular.
node "$here/gen/workbox.mjs" "$out" &
workbox_pid=$!
# If the other lane fails, do not leave the Workbox lane running.
trap 'kill "$workbox_pid" 2>/dev/null || true' EXIT
vite_app vite-pwa-autoupdate vite-pwa autoUpdate
vite_app vite-pwa-prompt vite-pwa prompt
vite_app serwist-app serwist
node "$here/gen/angular.mjs" "$out"
wait "$workbox_pid"
trap - EXIT
rm -rf "$stage"
log "builds took $(since "$t"); total $(since "$start"); output in $out"
