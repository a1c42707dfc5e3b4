#!/usr/bin/env bash
# The `docker compose` CLI plugin, so that the tests can check docker-compose.yml with
# `docker compose config` (no engine needed). Built from the Go module proxy when missing.
source "$(dirname "$0")/common.sh"
COMPOSE_VERSION="${COMPOSE_VERSION:-v2.40.3}"
command -v docker >/dev/null || { log "no docker client: compose checks will be skipped"; exit 0; }
if docker compose version >/dev/null 2>&1; then exit 0; fi
dest="$GREENROOM_CACHE/compose/$COMPOSE_VERSION"
if [[ ! -x "$dest/docker-compose" ]]; then
  log "building docker compose $COMPOSE_VERSION (first time only)"
  export GOPATH="$GREENROOM_CACHE/go" GOCACHE="$GREENROOM_CACHE/go-build" GOFLAGS=-mod=mod
  # `go install pkg@version` refuses modules with replace/exclude directives (compose has
  # them), so build inside the downloaded module, where its go.mod applies.
  src="$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" \
         | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  (cd "$src" && go build -trimpath -o "$dest/docker-compose" ./cmd)
fi
mkdir -p "$HOME/.docker/cli-plugins"
ln -sf "$dest/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
docker compose version >/dev/null
