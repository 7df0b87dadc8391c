# The four-VM lab on podman: systemd containers vm1..vm4 at the inventory's addresses, provisioned by site.yml.
.PHONY: lab lab-down lab-status lab-provision
lab: bootstrap venv ## bring the whole system up: four lab VMs on podman, provisioned by site.yml; prints the URLs
	@bash lab/lab.sh up

lab-provision: venv ## run site.yml against the existing lab again
	@bash lab/lab.sh provision

lab-status: venv ## report each lab service's health
	@bash lab/lab.sh status

lab-down: ## remove the lab containers, network and generated secrets
	@bash lab/lab.sh down

# End-to-end stage: the lab is brought up (or converged again: a second run must change nothing), then the browser,
# fault and redeploy tests run against it. The lab stays up afterwards for inspection (`make lab-down` removes it).
.PHONY: test-lab
test-lab: lab ## end-to-end tests on the lab (browser, faults, rolling redeploy)
	@PYTHONPATH=$(ROOT):$(ROOT)/tests/e2e pytest -p no:cacheprovider -o addopts= -v tests/e2e; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no e2e tests ran" >&2; exit 1; fi; exit $$rc

.PHONY: lab-redeploy
lab-redeploy: venv ## rolling zero-downtime redeploy of API, consumer and front end on the lab (VOTELAB_VERSION=... for a named release)
	@bash lab/lab.sh redeploy
