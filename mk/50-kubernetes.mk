# The Kubernetes control plane's binaries for VM1 (kube-apiserver, kube-controller-manager, kube-scheduler, etcd,
# etcdctl), built on the control node from the Go module proxy (packaging/kubernetes and packaging/etcd: their
# go.sum is the lock) and cached by version in /var/cache/votelab/k8s, so a second build, from any clone, copies them.
K8S_PINNED := $(shell sed -n -E 's:^[[:space:]]+k8s\.io/kubernetes v([^ ]+).*:\1:p' packaging/kubernetes/go.mod)
ETCD_PINNED := $(shell sed -n -E 's:^[[:space:]]+go\.etcd\.io/etcd/server/v3 v([^ ]+).*:\1:p' packaging/etcd/go.mod)
K8S_SERVER_DIST := $(BUILD)/release/kubernetes-server-$(K8S_PINNED)-linux-amd64.tgz
ETCD_DIST := $(BUILD)/release/etcd-$(ETCD_PINNED)-linux-amd64.tgz
K8S_BINARIES_INPUTS := scripts/build-k8s-binaries.sh $(wildcard packaging/kubernetes/go.*) $(wildcard packaging/etcd/go.*)

# `make k8s-binaries K8S_VERSION=...` (or ETCD_VERSION) names a version the lock must already pin, as the script does
ifneq ($(filter k8s-binaries,$(MAKECMDGOALS)),)
ifneq ($(filter-out $(K8S_PINNED),$(K8S_VERSION:v%=%)),)
$(error Kubernetes $(K8S_VERSION) is not the version pinned in packaging/kubernetes/go.mod ($(K8S_PINNED)); to change it: make k8s-lock K8S_VERSION=$(K8S_VERSION), review the diff, commit)
endif
ifneq ($(filter-out $(ETCD_PINNED),$(ETCD_VERSION:v%=%)),)
$(error etcd $(ETCD_VERSION) is not the version pinned in packaging/etcd/go.mod ($(ETCD_PINNED)); to change it: make k8s-lock ETCD_VERSION=$(ETCD_VERSION), review the diff, commit)
endif
endif

.PHONY: k8s-binaries k8s-lock
k8s-binaries: $(K8S_SERVER_DIST) $(ETCD_DIST) ## build/k8s/<version>/bin (kube-apiserver, controller-manager, scheduler) and etcd, from the Go module proxy
$(K8S_SERVER_DIST) $(ETCD_DIST) $(BUILD)/k8s/$(K8S_PINNED)/bin/kube-apiserver $(BUILD)/k8s/etcd-$(ETCD_PINNED)/bin/etcd &: $(K8S_BINARIES_INPUTS)
	@bash scripts/build-k8s-binaries.sh

# K8S_VERSION=1.X.Y and/or ETCD_VERSION=3.X.Y name the new versions (empty: re-resolve the pinned ones)
k8s-lock: ## after a reviewed version change (K8S_VERSION=1.X.Y ETCD_VERSION=3.X.Y): rewrite packaging/{kubernetes,etcd}/go.mod and go.sum, then build
	@bash scripts/build-k8s-binaries.sh --update-lock $(if $(K8S_VERSION),--k8s-version $(K8S_VERSION)) $(if $(ETCD_VERSION),--etcd-version $(ETCD_VERSION))

# The manifests of the stateless tiers for this inventory (deploy/kubernetes/README.md). In the lab the vault's
# password file is .lab/vault-password; elsewhere ansible asks for it (K8S_VAULT_ARGS overrides both).
K8S_VAULT_ARGS ?= $(if $(wildcard $(ROOT)/.lab/vault-password),-e @$(ROOT)/.lab/secrets.vault.yml --vault-password-file $(ROOT)/.lab/vault-password,--ask-vault-pass)
.PHONY: k8s-manifests
k8s-manifests: venv ## build/kubernetes/votelab.yaml: the Kubernetes manifests rendered from the inventory and vault
	@cd $(ROOT) && $(VENV)/bin/ansible-playbook playbooks/kubernetes-manifests.yml $(K8S_VAULT_ARGS)
