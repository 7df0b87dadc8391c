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
