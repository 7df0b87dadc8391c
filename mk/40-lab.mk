# The four-VM lab on podman, deployed like real VMs: systemd containers vm1..vm4 at the inventory's addresses running
# sshd, provisioned by site.yml over SSH as the lab's sudo user with vault-encrypted secrets (lab/lab.sh).
# Every target that makes, changes or removes the lab runs under the lab lock: flock /tmp/votelab-lab.lock make lab
.PHONY: lab lab-down lab-status lab-provision lab-redeploy lab-restore
# LIMIT=hosts-or-groups runs site.yml on those only, e.g. after replacing VM3: make lab LIMIT=postgresql:consumer:backup
LIMIT ?=
lab: bootstrap venv kafka-dist k8s-binaries ## bring the whole system up: four lab VMs on podman, provisioned over SSH by site.yml; prints the URLs
	@bash lab/lab.sh up $(if $(LIMIT),--limit '$(LIMIT)')

lab-provision: venv kafka-dist k8s-binaries ## run site.yml against the existing lab again ([LIMIT=hosts-or-groups])
	@bash lab/lab.sh provision $(if $(LIMIT),--limit '$(LIMIT)')

lab-redeploy: venv kafka-dist ## rolling, zero-downtime redeploy of the app tiers on the lab (playbooks/redeploy.yml)
	@bash lab/lab.sh redeploy

# CONFIRM=yes is the operator's confirmation (the playbook refuses without it and says what it would do);
# TARGET_TIME='2026-12-07 14:03:00+09' restores to that moment instead of the latest state (passed as JSON: a
# key=value -e would split the time at its space).
CONFIRM ?=
TARGET_TIME ?=
lab-restore: venv ## restore VM3's PostgreSQL from the backup on VM1 and replay Kafka: make lab-restore CONFIRM=yes [TARGET_TIME='...']
	@bash lab/lab.sh restore -e '{"restore_confirm": "$(CONFIRM)", "restore_target_time": "$(TARGET_TIME)"}'

lab-status: venv ## report each lab service's health
	@bash lab/lab.sh status

lab-down: ## remove the lab: containers, network and .lab/ (vault-encrypted secrets, SSH key, known hosts)
	@bash lab/lab.sh down

# End-to-end stage: the lab is brought up (or converged again), then, in this order: a second site.yml run must change
# nothing, the Kubernetes control plane on VM1 (the manifests applied for real, pods Pending), the browser path, the firewall flows, unit hardening, schemathesis from the front-end host, a bounded soak,
# faults under load, the recovery drills (VM3 lost, an operator's DELETE, the backup host lost: each restored from the
# backup on VM1 and Kafka under load), and the rolling redeploy (which changes the release last). The lab stays up afterwards for inspection (`make lab-down` removes it).
E2E_TESTS := test_site_on_lab.py test_kubernetes_on_lab.py test_browser_on_lab.py test_firewall_on_lab.py test_hardening_on_lab.py \
  test_schemathesis_on_lab.py test_soak_on_lab.py test_faults_on_lab.py test_recovery_on_lab.py test_redeploy_on_lab.py
# make test builds the Kafka distribution, the control plane's binaries (cached: about a second; from nothing: Maven's
# jars and the Go build, docs/kubernetes.md) and this tree's releases first, once for both lanes and with the cores
# to themselves (Molecule's releases then reuse the front end's next build), then runs two lanes at once
# (scripts/run-stages.sh): the lab, and Molecule followed by the loopback stages (BESIDE_LAB_STAGES: Python,
# security, front end). The lab is the longest stage and its end-to-end tests mostly wait (fault windows, bounded
# streams, restores), so the other lane's work fits in beside it.
lane_sep := /
empty :=
TEST_STAGES += kafka-dist k8s-binaries releases test-lab+$(subst $(empty) $(empty),$(lane_sep),$(strip test-molecule $(BESIDE_LAB_STAGES)))

.PHONY: releases test-lab
releases: release frontend-release ## build/release: this tree's app and front-end releases, the ones make lab deploys

test-lab: lab ## end-to-end tests on the lab (idempotence, browser, firewall, faults, rolling redeploy)
	@cd tests/e2e && PYTHONPATH=$(ROOT):$(ROOT)/tests/e2e pytest -p no:cacheprovider -o addopts= --durations=40 --rootdir=$(ROOT) \
	  -c $(ROOT)/pyproject.toml -v $(E2E_TESTS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "no e2e tests ran" >&2; exit 1; fi; exit $$rc
