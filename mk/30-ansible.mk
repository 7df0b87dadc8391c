# Ansible stage: the systemd Debian 12 image Molecule boots, and every role's Molecule scenario.
# Podman is shared with other tools on this machine: a Molecule run and an image build hold /tmp/votelab-podman.lock.
# test-molecule runs in make test beside test-lab (mk/40-lab.mk)

PODMAN_LOCK := flock /tmp/votelab-podman.lock
# Every role with a scenario, longest first so two parallel runners finish close together; vote_release (~2 min)
# runs second to last, where, with the measured durations, it mostly fills the runner that finishes first.
MOLECULE_ORDER := vote_consumer kafka vote_api postgresql pgbackrest zookeeper vote_frontend k8s_control_plane common nodejs vote_release redis
MOLECULE_ROLES ?= $(foreach r,$(MOLECULE_ORDER),$(if $(wildcard roles/$(r)/molecule/default/molecule.yml),$(r))) \
  $(filter-out $(MOLECULE_ORDER),$(patsubst roles/%/molecule/default/molecule.yml,%,$(wildcard roles/*/molecule/default/molecule.yml)))

.PHONY: image apt-cache molecule test-molecule
# Optional: measured here, the cache saves about 1.6 s of 5.4 s of downloads for the heaviest scenario (packages
# install in ~35 s either way), so nothing depends on it; the image build and Molecule use it when it runs.
apt-cache: ## start the host's apt-cacher-ng (idempotent); the image build and Molecule use it when it runs
	@bash scripts/apt-cache.sh

image: ## build the systemd Debian 12 image localhost/debian12-systemd:latest (kept while its recipe is unchanged; make test builds it anew)
	@bash scripts/build-image.sh

molecule: venv image kafka-dist k8s-binaries ## run every role's Molecule scenario (MOLECULE_JOBS at a time, default 2), printing each one's duration (MOLECULE_ROLES=... to pick)
	@bash scripts/molecule-all.sh $(MOLECULE_ROLES)

test-molecule: molecule
