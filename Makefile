# Two commands do everything on a fresh machine: `make up` and `make test`.
# Heavy downloads and builds are cached in $(GREENROOM_CACHE) (default ~/.cache/greenroom).

SHELL := /bin/bash
export GREENROOM_CACHE ?= $(HOME)/.cache/greenroom
ENVS := .greenroom/envs.json
env_python = $$(python3 -c "import json;print(json.load(open('$(ENVS)'))['$(1)'])")/bin/python
SRC_PATH := clients/python/src:libs/common/src:services/gateway/src:services/ingest/src:services/grader/src:tools
DEV := PYTHONPATH=$(SRC_PATH):. $(call env_python,dev)

.PHONY: setup up test lint unit service-tests integration images test-containers chaos bench-load bench bench-grading bench-web clean

setup: ## install everything missing: Debian packages, Kafka, MinIO, Python environments, models
	@bash scripts/setup/all.sh

up: setup ## start Kafka, MinIO and every service; Ctrl-C stops them
	@PYTHONPATH=$(SRC_PATH) $(call env_python,dev) -m greenroom_local up

test: setup lint unit service-tests integration ## everything CI runs

lint:
	@echo "== ruff"; $(DEV) -m ruff check libs services tools tests bench scripts
	@echo "== mypy"; $(DEV) -m mypy libs/common/src services/*/src clients/python/src/greenroom_client tools/greenroom_local
	@echo "== eslint"; bash scripts/setup/web.sh eslint
	@echo "== tsc"; bash scripts/setup/web.sh tsc

unit: ## pure-logic tests of the shared package, gateway, ingest and grader
	@$(DEV) -m pytest -q libs/common/tests services/gateway/tests services/ingest/tests services/grader/tests tools/tests

service-tests: ## model-backed cores, each in its own environment
	@PYTHONPATH=libs/common/src:services/transcribe/src $(call env_python,transcribe) -m pytest -q -p no:cacheprovider services/transcribe/tests
	@PYTHONPATH=libs/common/src:services/vision/src $(call env_python,vision) -m pytest -q -p no:cacheprovider services/vision/tests
	@PYTHONPATH=services/voice/src $(call env_python,voice) -m pytest -q -p no:cacheprovider services/voice/tests

integration: ## the whole platform on real Kafka and MinIO
	@$(DEV) -m pytest -q tests

images: ## container images of the five services plus Kafka, MinIO, Prometheus; offline-capable
	@bash scripts/setup/images.sh

test-containers: setup ## tests/ against the docker compose stack (starts an engine if none)
	@bash scripts/setup/test-containers.sh

chaos: ## ≥ 100 answers through replicated services while processes die and Kafka/MinIO restart
	@$(DEV) bench/chaos.py

bench-load: ## throughput: one 2-minute answer alone vs. 6 candidates at once (ratios, CPU, memory)
	@$(DEV) bench/load.py

bench: ## end-to-end latency of a 60 s answer through the whole platform
	@$(DEV) bench/pipeline.py --seconds 60 --runs 3

bench-grading: ## the grader's core per answer, and its verdicts against the labelled corpus
	@PYTHONPATH=libs/common/src:services/grader/src $(call env_python,grader) bench/grading.py
	@PYTHONPATH=libs/common/src:services/grader/src $(call env_python,grader) bench/grading_calibration.py

bench-web: ## Lighthouse on a phone (start page, a report); fails under 95 performance
	@$(DEV) bench/web.py

clean:
	rm -rf .greenroom
