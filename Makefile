# votelab: one entry point for every workflow. Area-specific targets live in mk/*.mk (included in order);
# each area appends its test stage to TEST_STAGES (or to BESIDE_LAB_STAGES, run beside the lab: mk/40-lab.mk), and
# `make test` runs them all with timings.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
BUILD := $(ROOT)/build
export PATH := $(VENV)/bin:$(PATH)

TEST_STAGES :=

.PHONY: help bootstrap venv test
help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

bootstrap: ## install the control node's Debian packages and podman settings (idempotent)
	@bash scripts/bootstrap-host.sh

venv: $(VENV)/.installed ## the control-node virtualenv with every pinned tool
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	@echo "==> venv: installing requirements-dev.txt"
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

include $(sort $(wildcard mk/*.mk))

# CI takes a newcomer's path: the first stage removes the lab and builds the image anew (once per run; Molecule's
# scenarios and the lab VMs then boot that same image), so nothing made by an earlier run is reused and a missing
# install step fails here rather than on a fresh machine. Run it under the lab lock: flock /tmp/votelab-lab.lock make test
# The lab's VMs get twice a Molecule container's CPU weight (LAB_CPU_SHARES, lab/lab.sh): the lab is the longest lane.
test: bootstrap venv ## run every test stage (lint, app, front end, molecule, lab) from a clean slate, with a timing summary
	@LAB_CPU_SHARES=2048 bash scripts/run-stages.sh clean-slate $(TEST_STAGES)

.PHONY: clean-slate
clean-slate: bootstrap ## make test's first stage: remove the lab (VMs, network, .lab/) and build the image anew
	@bash lab/lab.sh down
	@bash scripts/build-image.sh --rebuild
