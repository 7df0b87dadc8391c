# Lint stage: Python (ruff, mypy, import-linter layer contracts), YAML (yamllint), Ansible (ansible-lint production).
TEST_STAGES += lint

.PHONY: lint
lint: venv ## ruff, mypy, import contracts, role docs, bench figures, yamllint and ansible-lint over the whole tree
	@echo "==> ruff"; ruff check app tests devstack bench lab scripts
	@echo "==> mypy"; mypy app devstack lab tests/e2e
	@echo "==> import contracts"; lint-imports --no-cache
	@echo "==> role docs"; $(PY) scripts/check-role-docs.py
	@echo "==> bench figures"; cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m bench.report --check
	@echo "==> yamllint"; yamllint -s .
	@echo "==> ansible-lint"; ansible-lint --profile production
