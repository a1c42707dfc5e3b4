#!/usr/bin/env bash
# Builds the MinIO server from source at a pinned commit (the community edition ships as source).
source "$(dirname "$0")/common.sh"
dest="$GREENROOM_CACHE/minio/$MINIO_VERSION"
if [[ -x "$dest/minio" ]]; then log "minio $MINIO_VERSION cached"; exit 0; fi
log "building minio $MINIO_VERSION with go install (first time only, several minutes)"
export GOPATH="$GREENROOM_CACHE/go" GOCACHE="$GREENROOM_CACHE/go-build" GOBIN="$dest.tmp" GOFLAGS=-mod=mod
mkdir -p "$GOBIN"
go install "github.com/minio/minio@$MINIO_VERSION"
rm -rf "$dest"; mv "$dest.tmp" "$dest"
log "minio installed in $dest"
