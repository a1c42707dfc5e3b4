#!/usr/bin/env bash
# Debian packages the platform and its tests need: ffmpeg (ingest), espeak-ng and sox
# (test speech), a JDK and Maven (Kafka), Go (MinIO), Chromium (the web app's browser tests;
# Playwright drives this one and never downloads its own), Node.js and npm (axe-core and
# Lighthouse for those tests, scripts/setup/web.sh), Prometheus and promtool (the metrics,
# alert and dashboard tests: tests/test_prometheus.py, tests/test_alerts.py), kubectl (renders
# deploy/k8s with its built-in kustomize: tests/test_k8s.py). Installs only what is missing.
source "$(dirname "$0")/common.sh"
need=()
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
command -v go >/dev/null || need+=(golang-go)
command -v chromium >/dev/null || need+=(chromium fonts-dejavu-core)
command -v npm >/dev/null || need+=(nodejs npm)
command -v prometheus >/dev/null || need+=(prometheus)
command -v promtool >/dev/null || need+=(prometheus)
command -v kubectl >/dev/null || need+=(kubernetes-client)
if ((${#need[@]})); then
  log "installing Debian packages: ${need[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
