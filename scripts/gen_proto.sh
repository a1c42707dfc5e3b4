#!/usr/bin/env bash
# Generates the Python stubs of proto/ into the client package (committed, so that the
# client installs without a protobuf compiler). `make test` checks they are up to date.
# Usage: scripts/gen_proto.sh [OUT_DIR]   (default: clients/python/src)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-clients/python/src}"
python="$(python3 -c "import json;print(json.load(open('.greenroom/envs.json'))['dev'])")/bin/python"
mkdir -p "$out"
"$python" -m grpc_tools.protoc -Iproto --python_out="$out" --pyi_out="$out" \
  --grpc_python_out="$out" greenroom/v1/interview.proto
touch "$out/greenroom/__init__.py" "$out/greenroom/v1/__init__.py"
