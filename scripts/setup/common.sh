# Shared settings for the set-up scripts. Everything heavy is cached outside the
# repository (GREENROOM_CACHE) so that a warm machine re-runs set-up in seconds.
set -euo pipefail
GREENROOM_CACHE="${GREENROOM_CACHE:-$HOME/.cache/greenroom}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
# MinIO publishes RELEASE.* tags that Go does not treat as versions; pin one commit.
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
mkdir -p "$GREENROOM_CACHE"
log() { printf '[setup] %s\n' "$*" >&2; }
