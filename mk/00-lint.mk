# Lint stage: Python (ruff, mypy), YAML (yamllint) and Ansible (ansible-lint, production profile).
TEST_STAGES += lint

.PHONY: lint
lint: venv ## ruff, mypy, yamllint and ansible-lint over the whole tree
	@echo "==> ruff"; ruff check app tests devstack bench lab
	@echo "==> mypy"; mypy app devstack lab
	@echo "==> yamllint"; yamllint -s .
	@echo "==> ansible-lint"; ansible-lint --profile production
