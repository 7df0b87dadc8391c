# Security stage: rate limit, admin auth, secrets never shown, schemathesis against the OpenAPI document, consumer
# fuzzing and a bounded soak, all on a loopback stack of their own (tests/security). Figures: test-artifacts/security/.
# a stage of make test that runs beside the lab, after Molecule (mk/40-lab.mk)
BESIDE_LAB_STAGES += test-security

SECURITY_PYTEST_ARGS ?=

.PHONY: test-security
test-security: venv kafka-dist ## security tests: rate limit, admin auth, secrets, schemathesis, consumer fuzz, soak (own loopback stack)
	@cd $(ROOT) && PYTHONPATH=$(ROOT) $(PY) -m pytest -p no:cacheprovider --timeout=300 -q \
		tests/security $(SECURITY_PYTEST_ARGS); rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "test-security: no tests collected" >&2; exit 1; fi; exit $$rc
