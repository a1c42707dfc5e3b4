#!/usr/bin/env bash
# Everything `make up` and `make test` need, from nothing; seconds when already cached.
source "$(dirname "$0")/common.sh"
here="$(dirname "$0")"
start=$(date +%s)
bash "$here/system.sh"
bash "$here/kafka.sh"
bash "$here/minio.sh"
bash "$here/python.sh"
bash "$here/models.sh"
bash "$here/gotools.sh"
bash "$here/web.sh"
log "set-up complete in $(( $(date +%s) - start ))s (cache: $GREENROOM_CACHE)"
