# OCI images of the app tiers for Kubernetes (deploy/kubernetes): built offline from the release bundles.
.PHONY: images

images: release frontend-release ## OCI images of the API, consumer and front end, saved under build/images/ (offline)
	@cd $(ROOT) && $(PODMAN_LOCK) bash scripts/build-images.sh
