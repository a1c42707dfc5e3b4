#!/usr/bin/env bash
# uv (pinned, in the cache) and the per-service Python environments.
source "$(dirname "$0")/common.sh"
UV_VERSION=0.9.13
tools="$GREENROOM_CACHE/tools"
if [[ ! -x "$tools/bin/uv" ]] || [[ "$("$tools/bin/uv" --version)" != "uv $UV_VERSION"* ]]; then
  log "installing uv $UV_VERSION"
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q "uv==$UV_VERSION"
fi
python3 "$REPO_ROOT/scripts/setup/python_envs.py" "$@"
