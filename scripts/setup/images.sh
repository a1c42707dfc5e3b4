#!/usr/bin/env bash
# Container images of the platform, built on this machine even when no container registry is
# reachable (`make images`; not part of `make setup`, which needs no Docker).
#
#   greenroom/<service>:$GREENROOM_TAG          the five services (gateway ingest transcribe vision grader)
#   greenroom-local/kafka:$KAFKA_VERSION         Kafka from the jars scripts/setup/kafka.sh caches
#   greenroom-local/minio:$MINIO_VERSION         MinIO from the binary scripts/setup/minio.sh builds
#   greenroom-local/prometheus:debian            Prometheus from Debian's package (as the tests run it)
#
# Base images are build arguments. PYTHON_IMAGE (python:3.11-slim-bookworm) and DEBIAN_IMAGE
# (debian:bookworm-slim) are used when the engine has them or can pull them
# (GREENROOM_IMAGE_BASES=auto, the default, or =upstream); otherwise (or with =local) stand-ins
# are built from Debian's archive: greenroom-local/debian:bookworm with debootstrap and
# greenroom-local/python:3.11-bookworm on it (deploy/images/python).
#
# pip inside a build trusts GREENROOM_BUILD_CA (default: this host's CA bundle), passed as a
# BuildKit secret: it is mounted for the pip steps only and is never part of an image layer.
# That is what a build behind a TLS-inspecting proxy needs; elsewhere it changes nothing.
#
# IMAGES="gateway grader kafka minio" builds a subset (default: all eight).
# GREENROOM_IMAGES_LOG (default $GREENROOM_CACHE/images.log): times and sizes, one line each.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/docker-cli.sh"

GREENROOM_TAG="${GREENROOM_TAG:-dev}"
PYTHON_IMAGE="${PYTHON_IMAGE:-python:3.11-slim-bookworm}"
DEBIAN_IMAGE="${DEBIAN_IMAGE:-debian:bookworm-slim}"
BASES="${GREENROOM_IMAGE_BASES:-auto}"
CA="${GREENROOM_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}"
IMAGES="${IMAGES:-kafka minio prometheus gateway grader ingest vision transcribe}"
TIMES="${GREENROOM_IMAGES_LOG:-$GREENROOM_CACHE/images.log}"
LOCAL_DEBIAN=greenroom-local/debian:bookworm
LOCAL_PYTHON=greenroom-local/python:3.11-bookworm

docker_cli  # sets DOCKER (a CLI that does BuildKit builds) and exports DOCKER_BUILDKIT=1
ensure_engine
trap stop_started_engine EXIT

have() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# upstream_or_local IMAGE: true when IMAGE can be used (present, or pulled within a minute).
upstream_ok() {
  local image="$1"
  [[ "$BASES" == local ]] && return 1
  have "$image" && return 0
  log "pulling $image"
  if timeout 60 "$DOCKER" pull -q "$image" >/dev/null 2>&1; then return 0; fi
  [[ "$BASES" == upstream ]] && { log "ERROR: cannot pull $image (GREENROOM_IMAGE_BASES=upstream)"; exit 1; }
  log "$image cannot be pulled: using a local stand-in built from Debian's archive"
  return 1
}

# The Debian mirror apt uses on this host (deb822 or one-line sources).
debian_mirror() {
  local uri
  uri="$(grep -hs -m1 -E '^URIs:.*/debian/?$' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true)"
  [[ -n "$uri" ]] || uri="$(grep -hs -m1 -E '^deb .*/debian/? bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' || true)"
  printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

build_local_debian() {
  have "$LOCAL_DEBIAN" && return
  command -v debootstrap >/dev/null || { log "ERROR: debootstrap missing (apt-get install debootstrap)"; exit 1; }
  local root started=$SECONDS
  root="$(mktemp -d "$GREENROOM_CACHE/.debootstrap.XXXXXX")"
  log "building $LOCAL_DEBIAN with debootstrap from $(debian_mirror)"
  debootstrap --variant=minbase bookworm "$root" "$(debian_mirror)" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; rm -rf "$root" "$root.log"; exit 1; }
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/etc/resolv.conf "$root.log"
  tar -C "$root" -c . | "$DOCKER" import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - "$LOCAL_DEBIAN" >/dev/null
  rm -rf "$root"
  record "$LOCAL_DEBIAN" "$started"
}

record() {  # record IMAGE START_SECONDS
  local size
  size="$("$DOCKER" image inspect -f '{{.Size}}' "$1")"
  printf '%s %s %ss %sMB\n' "$(date -u +%FT%TZ)" "$1" "$((SECONDS - $2))" "$((size / 1000000))" | tee -a "$TIMES" >&2
}

# build TAG CONTEXT DOCKERFILE [build args...]
build() {
  local tag="$1" context="$2" file="$3" started=$SECONDS
  shift 3
  local secret=()
  [[ -s "$CA" ]] && secret=(--secret "id=ca,src=$CA")
  log "building $tag"
  "$DOCKER" build -q -t "$tag" -f "$file" "${secret[@]}" "$@" "$context" >/dev/null
  record "$tag" "$started"
}

if upstream_ok "$DEBIAN_IMAGE"; then debian="$DEBIAN_IMAGE"; else build_local_debian; debian="$LOCAL_DEBIAN"; fi
python_base() {
  if [[ -z "${python:-}" ]]; then
    if upstream_ok "$PYTHON_IMAGE"; then python="$PYTHON_IMAGE"
    else
      have "$LOCAL_PYTHON" || build "$LOCAL_PYTHON" "$REPO_ROOT/deploy/images/python" \
        "$REPO_ROOT/deploy/images/python/Dockerfile" --build-arg "BASE_IMAGE=$debian"
      python="$LOCAL_PYTHON"
    fi
  fi
}

# A small context holding only what an infrastructure image copies (hard links: no copy).
stage() {
  local dir
  dir="$(mktemp -d "$GREENROOM_CACHE/.image-context.XXXXXX")"
  cp -a "$REPO_ROOT/deploy/images/$1/." "$dir/"
  printf '%s\n' "$dir"
}

for image in $IMAGES; do
  case "$image" in
    kafka)
      bash "$REPO_ROOT/scripts/setup/kafka.sh"
      ctx="$(stage kafka)"
      cp -al "$GREENROOM_CACHE/kafka/$KAFKA_VERSION/libs" "$ctx/libs" 2>/dev/null \
        || cp -a "$GREENROOM_CACHE/kafka/$KAFKA_VERSION/libs" "$ctx/libs"
      build "greenroom-local/kafka:$KAFKA_VERSION" "$ctx" "$ctx/Dockerfile" --build-arg "BASE_IMAGE=$debian"
      rm -rf "$ctx" ;;
    minio)
      bash "$REPO_ROOT/scripts/setup/minio.sh"
      ctx="$(stage minio)"
      cp -a "$GREENROOM_CACHE/minio/$MINIO_VERSION/minio" "$ctx/minio"
      build "greenroom-local/minio:$MINIO_VERSION" "$ctx" "$ctx/Dockerfile" --build-arg "BASE_IMAGE=$debian"
      rm -rf "$ctx" ;;
    prometheus)
      build greenroom-local/prometheus:debian "$REPO_ROOT/deploy/images/prometheus" \
        "$REPO_ROOT/deploy/images/prometheus/Dockerfile" --build-arg "BASE_IMAGE=$debian" ;;
    gateway|ingest|grader)  # one recipe, the service named by build arguments
      python_base
      case "$image" in
        gateway) service_args=(--build-arg PORT=8000 --build-arg EXTRA_PORTS=50051
                               --build-arg EXTRA_PACKAGES=./clients/python) ;;
        ingest) service_args=(--build-arg PORT=8101 --build-arg APT_PACKAGES=ffmpeg) ;;
        grader) service_args=(--build-arg PORT=8104) ;;
      esac
      build "greenroom/$image:$GREENROOM_TAG" "$REPO_ROOT" "$REPO_ROOT/deploy/images/service/Dockerfile" \
        --build-arg "PYTHON_IMAGE=$python" --build-arg "SERVICE=$image" "${service_args[@]}" ;;
    transcribe|vision)
      python_base
      build "greenroom/$image:$GREENROOM_TAG" "$REPO_ROOT" "$REPO_ROOT/services/$image/Dockerfile" \
        --build-arg "PYTHON_IMAGE=$python" ${WITH_CUDA:+--build-arg "WITH_CUDA=$WITH_CUDA"} ;;
    *) log "ERROR: unknown image $image"; exit 1 ;;
  esac
done
log "images ready (times and sizes: $TIMES)"
