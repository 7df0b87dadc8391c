# Python stage: unit and integration tests of the vote pipeline against real PostgreSQL, Redis, ZooKeeper and Apache
# Kafka (started by tests/conftest.py on their own loopback ports), plus the local stack, benchmark and release targets.
# a stage of make test that runs beside the lab, after Molecule (mk/40-lab.mk)
BESIDE_LAB_STAGES += test-python

PYTEST_ARGS ?=
DEV_STATE := $(ROOT)/.dev

.PHONY: test-python dev dev-down dev-status bench bench-report release
test-python: venv kafka-dist ## unit, Kubernetes manifest and integration tests (real PostgreSQL, Redis, broker on loopback)
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m pytest -p no:cacheprovider --timeout=300 -q \
		tests/unit tests/kubernetes tests/integration $(PYTEST_ARGS); rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "test-python: no tests collected" >&2; exit 1; fi; exit $$rc

dev: venv kafka-dist ## start the whole pipeline on loopback in the background (API at http://127.0.0.1:8000)
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m devstack up --state-dir $(DEV_STATE)

dev-down: ## stop the local stack and remove its state
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m devstack down --state-dir $(DEV_STATE)

dev-status: ## show the local stack's processes and readiness
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m devstack status --state-dir $(DEV_STATE)

bench: venv kafka-dist ## benchmark the pipeline on a fresh loopback stack; writes bench/results.json and README.md's figures
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m bench
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m bench.report

bench-report: venv ## write bench/results.json into README.md's bench block (make lint fails when they differ)
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m bench.report

release: venv ## build/release/votelab-app-<version>.tar.gz: offline wheelhouse (app + pinned deps) and VERSION
	@bash scripts/build-release.sh
