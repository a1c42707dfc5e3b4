#!/usr/bin/env bash
# Go command-line tools the tests use, built from the Go module proxy at pinned versions and
# cached: `docker compose` (checks docker-compose.yml without an engine), `grpcurl` (a gRPC
# client nobody here wrote, through server reflection) and `buf` (lints the protos).
source "$(dirname "$0")/common.sh"
export GOPATH="$GREENROOM_CACHE/go" GOCACHE="$GREENROOM_CACHE/go-build" GOFLAGS=-mod=mod
BIN="$GREENROOM_CACHE/bin"
mkdir -p "$BIN"

# go_tool NAME MODULE PACKAGE VERSION: builds $BIN/NAME-VERSION once and links $BIN/NAME to it.
go_tool() {
  local name=$1 module=$2 package=$3 version=$4 out="$BIN/$1-$4"
  if [[ ! -x "$out" ]]; then
    log "building $name $version (first time only)"
    # Built inside the downloaded module so that its own go.mod (replace and exclude
    # directives, which `go install pkg@version` refuses) applies.
    local src
    src="$(go mod download -json "$module@$version" \
           | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    # A temporary name of its own, so two set-ups running at once cannot take each other's.
    (cd "$src" && go build -trimpath -o "$out.tmp.$$" "./$package") && mv -f "$out.tmp.$$" "$out"
  fi
  ln -sf "$out" "$BIN/$name"
}

go_tool grpcurl github.com/fullstorydev/grpcurl cmd/grpcurl v1.9.3
go_tool buf github.com/bufbuild/buf cmd/buf v1.75.0
if command -v docker >/dev/null; then
  if ! docker compose version >/dev/null 2>&1; then
    go_tool docker-compose github.com/docker/compose/v2 cmd v2.40.3
    mkdir -p "$HOME/.docker/cli-plugins"
    ln -sf "$BIN/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
  fi
else
  log "no docker client: the docker compose check will be skipped"
fi
