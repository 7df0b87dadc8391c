#!/usr/bin/env bash
# Installs the Debian packages the control node needs (idempotent; safe to run on every `make`).
# Why a script: `make lab` and `make test` must both work on a fresh Debian 12 machine as root.
set -euo pipefail

PACKAGES=(
  podman runc debootstrap uidmap iproute2 iptables
  postgresql-15 postgresql-client-15 redis-server
  chromium fonts-noto-cjk
  openjdk-17-jdk-headless maven
  wrk jq make git curl ca-certificates python3-venv
  openssh-client
  apt-cacher-ng
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "==> bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo 'apt-cacher-ng apt-cacher-ng/tunnelenable boolean false' | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Host services started by Debian's packages are not used: tests start their own instances.
for svc in redis-server postgresql; do
  if systemctl is-enabled "$svc" >/dev/null 2>&1; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
done

# Podman settings verified on this machine kind (crun fails on this cgroup setup; higher ulimits are refused).
conf=/etc/containers/containers.conf
want='[containers]
default_ulimits = ["nofile=10000:10000", "nproc=4096:4096"]

[engine]
runtime = "runc"'
if [ "$(cat "$conf" 2>/dev/null)" != "$want" ]; then
  mkdir -p /etc/containers
  printf '%s\n' "$want" > "$conf"
  echo "==> bootstrap: wrote $conf"
fi
