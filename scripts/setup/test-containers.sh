#!/usr/bin/env bash
# `make test-containers`: the end-to-end tests (tests/) against the Docker Compose stack.
#
# Starts a Docker engine if none answers (and stops only the one it started), builds the
# images (`make images`: local stand-ins where no registry answers), brings up
# docker-compose.yml with docker-compose.test.yml (local images, free host ports, the test
# limits), runs the tests with GREENROOM_TEST_INFRA=compose (same test bodies as `make
# integration`), keeps the containers' logs in .greenroom/test-logs/compose.log and tears the
# stack down, volumes included, whatever happened.
#
#   TESTS="tests/test_pipeline.py"   a subset (default: tests)
#   PYTEST_ARGS="-x"                 more pytest arguments
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/docker-cli.sh"
cd "$REPO_ROOT"
started=$SECONDS

docker_cli
ensure_engine
PROJECT="greenroom-test-$$"
compose() {
  "$DOCKER" compose -p "$PROJECT" -f docker-compose.yml -f docker-compose.test.yml "$@"
}
cleanup() {
  local rc=$?
  if [[ -n "${COMPOSE_UP:-}" ]]; then
    mkdir -p .greenroom/test-logs
    compose logs --no-color --timestamps >.greenroom/test-logs/compose.log 2>&1 || true
    log "tearing the stack down (logs: .greenroom/test-logs/compose.log)"
    compose down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  stop_started_engine
  log "test-containers finished in $((SECONDS - started))s (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
"$DOCKER" compose version >/dev/null 2>&1 || bash scripts/setup/gotools.sh

built=$SECONDS
bash scripts/setup/images.sh
log "images ready in $((SECONDS - built))s"

have() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }
# Upstream images when the engine has them, the local builds of images.sh otherwise.
pick() { if have "$1"; then printf '%s\n' "$1"; else printf '%s\n' "$2"; fi; }
export GREENROOM_KAFKA_IMAGE="${GREENROOM_KAFKA_IMAGE:-$(pick "apache/kafka:$KAFKA_VERSION" "greenroom-local/kafka:$KAFKA_VERSION")}"
export GREENROOM_MINIO_IMAGE="${GREENROOM_MINIO_IMAGE:-$(pick minio/minio:RELEASE.2025-09-07T16-13-09Z "greenroom-local/minio:$MINIO_VERSION")}"
export GREENROOM_PROMETHEUS_IMAGE="${GREENROOM_PROMETHEUS_IMAGE:-$(pick prom/prometheus:v3.5.0 greenroom-local/prometheus:debian)}"
export GREENROOM_TAG="${GREENROOM_TAG:-dev}"

# Free host ports, one per published port.
read -r -a ports < <(python3 - <<'PY'
import socket
socks = [socket.socket() for _ in range(9)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
)
names=(KAFKA MINIO GATEWAY GRPC INGEST TRANSCRIBE VISION GRADER PROMETHEUS)
for i in "${!names[@]}"; do export "GREENROOM_TEST_${names[$i]}_PORT=${ports[$i]}"; done

up=$SECONDS
COMPOSE_UP=1
log "starting the compose stack ($PROJECT)"
compose up -d --wait --wait-timeout 600 --no-build
log "stack healthy in $((SECONDS - up))s"

export GREENROOM_TEST_INFRA=compose
export GREENROOM_COMPOSE_PORTS="kafka=$GREENROOM_TEST_KAFKA_PORT,minio=$GREENROOM_TEST_MINIO_PORT,gateway=$GREENROOM_TEST_GATEWAY_PORT,grpc=$GREENROOM_TEST_GRPC_PORT,ingest=$GREENROOM_TEST_INGEST_PORT,transcribe=$GREENROOM_TEST_TRANSCRIBE_PORT,vision=$GREENROOM_TEST_VISION_PORT,grader=$GREENROOM_TEST_GRADER_PORT,prometheus=$GREENROOM_TEST_PROMETHEUS_PORT"
dev="$(python3 -c "import json;print(json.load(open('.greenroom/envs.json'))['dev'])")"
tests=$SECONDS
# shellcheck disable=SC2086 # TESTS and PYTEST_ARGS are lists
PYTHONPATH=clients/python/src:libs/common/src:services/gateway/src:services/ingest/src:services/grader/src:tools:. \
  "$dev/bin/python" -m pytest -q ${PYTEST_ARGS:-} ${TESTS:-tests}
log "tests passed in $((SECONDS - tests))s"
