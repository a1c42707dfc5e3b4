# Sourced by images.sh and test-containers.sh (after common.sh): which Docker CLI to use, and a
# Docker engine to talk to.

# docker_cli: sets DOCKER to a CLI that can do BuildKit builds (secrets, RUN --mount) and
# exports DOCKER_BUILDKIT=1. A CLI of 23+ builds through the buildx plug-in and fails without
# it ("buildx component is missing"); Debian's docker.io 20.10 CLI builds with BuildKit itself.
docker_cli() {
  local cli version
  for cli in ${DOCKER:-} docker /usr/bin/docker; do
    command -v "$cli" >/dev/null || continue
    if "$cli" buildx version >/dev/null 2>&1; then DOCKER="$cli"; break; fi
    version="$("$cli" version --format '{{.Client.Version}}' 2>/dev/null || true)"
    if [[ "$version" =~ ^(19|20|21|22)\. ]]; then DOCKER="$cli"; break; fi
  done
  if [[ -z "${DOCKER:-}" ]] || ! command -v "$DOCKER" >/dev/null; then
    log "ERROR: no Docker CLI that builds with BuildKit (apt-get install docker.io, or add buildx)"
    exit 1
  fi
  export DOCKER DOCKER_BUILDKIT=1
}

# ensure_engine: makes sure an engine answers; starts Debian's dockerd when none does and
# records its PID in STARTED_DOCKERD (the caller stops it, and only it).
STARTED_DOCKERD=""
ensure_engine() {
  if "$DOCKER" info >/dev/null 2>&1; then return; fi
  command -v dockerd >/dev/null || {
    log "installing Debian's docker.io (engine) and debootstrap (base images)"
    local sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      docker.io debootstrap >/dev/null
  }
  log "no Docker engine answers: starting dockerd (log: $GREENROOM_CACHE/dockerd.log)"
  local sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo dockerd >"$GREENROOM_CACHE/dockerd.log" 2>&1 &
  STARTED_DOCKERD=$!
  local i
  for i in $(seq 60); do
    "$DOCKER" info >/dev/null 2>&1 && return
    sleep 1
  done
  log "ERROR: dockerd did not answer within 60 s:"; tail -20 "$GREENROOM_CACHE/dockerd.log" >&2
  exit 1
}

stop_started_engine() {
  if [[ -n "$STARTED_DOCKERD" ]]; then
    log "stopping the dockerd this run started (PID $STARTED_DOCKERD)"
    kill "$STARTED_DOCKERD" 2>/dev/null || true
    wait "$STARTED_DOCKERD" 2>/dev/null || true
  fi
}
