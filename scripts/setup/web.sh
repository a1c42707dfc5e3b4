#!/usr/bin/env bash
# The npm tools of the browser tests (tests/browser/package.json: axe-core, Lighthouse),
# installed from the lock file into the cache, never into the repository: one folder per
# version of the lock, so a change reinstalls and a warm machine skips this in milliseconds.
# Install scripts are skipped: nothing downloads a browser; the tests use Debian's Chromium.
source "$(dirname "$0")/common.sh"
src="$REPO_ROOT/tests/browser"
hash=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)
dir="$GREENROOM_CACHE/npm/web-$hash"
if [[ ! -f "$dir/.installed" ]]; then
  log "installing the browser tests' npm tools into $dir"
  rm -rf "$dir" && mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
     --cache "$GREENROOM_CACHE/npm/cache")
  touch "$dir/.installed"
fi
