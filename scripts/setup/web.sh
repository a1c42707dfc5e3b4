#!/usr/bin/env bash
# The web app's npm tools (tests/browser/package.json): axe-core and Lighthouse for the
# browser tests, ESLint and TypeScript for `make lint`. Installed from the lock file into the
# cache, never into the repository: one folder per version of the lock, so a change
# reinstalls and a warm machine skips this in milliseconds. Install scripts are skipped:
# nothing downloads a browser; the tests use Debian's Chromium.
#
#   web.sh          install (make setup)
#   web.sh eslint   install, then lint the web app (tests/browser/eslint.config.mjs)
#   web.sh tsc      install, then type-check its JSDoc types (tests/browser/tsconfig.json)
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
web="services/gateway/src/greenroom_gateway/web/js"
case "${1:-}" in
  "") ;;
  eslint)
    # The config imports @eslint/js and globals: a copy beside node_modules resolves them.
    # With --config, ESLint reads the config's paths from the working directory: the repo.
    cp "$src/eslint.config.mjs" "$dir/eslint.config.mjs"
    cd "$REPO_ROOT" && exec "$dir/node_modules/.bin/eslint" --config "$dir/eslint.config.mjs" \
      --max-warnings 0 "$web" ;;
  tsc)
    cd "$REPO_ROOT" && exec "$dir/node_modules/.bin/tsc" -p "$src/tsconfig.json" --noEmit \
      --allowJs --checkJs ;;
  *) log "unknown tool: $1 (eslint or tsc)"; exit 2 ;;
esac
