#!/usr/bin/env bash
# Installs the Apache Kafka broker (KRaft) runtime from Maven Central jars.
source "$(dirname "$0")/common.sh"
dest="$GREENROOM_CACHE/kafka/$KAFKA_VERSION"
if [[ -f "$dest/.complete" ]]; then log "kafka $KAFKA_VERSION cached"; exit 0; fi
log "fetching kafka $KAFKA_VERSION jars from Maven Central"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
sed "s/@KAFKA_VERSION@/$KAFKA_VERSION/g" "$REPO_ROOT/scripts/setup/kafka-pom.xml" > "$work/pom.xml"
rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
mvn -B -q -f "$work/pom.xml" -Dmaven.repo.local="$GREENROOM_CACHE/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest.tmp/libs"
rm -rf "$dest"; mv "$dest.tmp" "$dest"; touch "$dest/.complete"
log "kafka installed in $dest"
