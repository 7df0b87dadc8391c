#!/usr/bin/env bash
# The four-VM lab on one machine: systemd containers vm1..vm4 on a podman bridge holding the inventory's
# addresses, provisioned by the real site.yml. Usage: lab.sh up | provision | redeploy [ansible args] | status | down
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lab/net.sh
source lab/net.sh
export PATH="$PWD/.venv/bin:$PATH"

IMAGE=${LAB_IMAGE:-localhost/debian12-systemd:latest}
STATE=.lab
INVENTORY=inventory/hosts.ini
OVERLAY=lab/inventory.yml

say() { printf '\033[1m==> lab: %s\033[0m\n' "$*"; }

# name and address of every lab VM, read from the one inventory
lab_hosts() {
  ansible-inventory -i "$INVENTORY" --list 2>/dev/null | python3 -c '
import json, sys
inv = json.load(sys.stdin)
for name, hv in sorted(inv["_meta"]["hostvars"].items()):
    print(name, hv["private_ip"])'
}

lab_group_host() { ansible-inventory -i "$INVENTORY" --list | python3 -c "import json,sys; print(json.load(sys.stdin)['$1']['hosts'][0])"; }
lab_group_ip() { ansible-inventory -i "$INVENTORY" --host "$(lab_group_host "$1")" | python3 -c "import json,sys; print(json.load(sys.stdin)['private_ip'])"; }

ensure_network() {
  if ! podman network exists "$LAB_NETWORK"; then
    say "creating podman network $LAB_NETWORK ($LAB_SUBNET)"
    podman network create --subnet "$LAB_SUBNET" --gateway "$LAB_GATEWAY" "$LAB_NETWORK" >/dev/null
  fi
}

# A container podman records as running whose process is gone (the machine was rebooted or restored under it)
# cannot be exec'd into or started again: it is removed and made anew; site.yml provisions it again.
drop_if_stale() {
  local ctr=$1
  podman container exists "$ctr" || return 0
  [ "$(podman inspect -f '{{.State.Running}}' "$ctr")" = true ] || return 0
  podman exec "$ctr" true >/dev/null 2>&1 && return 0
  say "$ctr is recorded as running but its process is gone; recreating it"
  podman rm -f -t 0 "$ctr" >/dev/null
}

ensure_vm() {
  local name=$1 ip=$2 ctr="votelab-$1"
  drop_if_stale "$ctr"
  if ! podman container exists "$ctr"; then
    say "creating $name ($ip)"
    podman run -d --name "$ctr" --hostname "$name" --network "$LAB_NETWORK" --ip "$ip" \
      --systemd=always --cap-add NET_ADMIN,NET_RAW --label votelab.lab=1 "$IMAGE" /sbin/init >/dev/null
  elif [ "$(podman inspect -f '{{.State.Running}}' "$ctr")" != true ]; then
    say "starting $name"
    podman start "$ctr" >/dev/null
  fi
}

wait_booted() {
  local ctr="votelab-$1" state
  for _ in $(seq 1 60); do
    state=$(podman exec "$ctr" systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) return 0 ;; esac
    sleep 1
  done
  echo "lab: $ctr did not finish booting (systemd says '${state:-nothing}'); its last log lines:" >&2
  podman logs --tail 20 "$ctr" >&2 || true
  exit 1
}

# Random lab secrets, made once and kept outside git (.lab/ is ignored).
ensure_secrets() {
  mkdir -p "$STATE"; chmod 700 "$STATE"
  [ -s "$STATE/secrets.yml" ] && return 0
  say "generating lab secrets in $STATE/secrets.yml"
  python3 lab/make_secrets.py > "$STATE/secrets.yml"
  chmod 600 "$STATE/secrets.yml"
}

# The releases site.yml deploys, built once on the control node (hosts install them offline). The version is
# fixed once per run (exported), so the builds and the playbook agree even if the tree changes meanwhile.
ensure_releases() {
  local v; v=$(bash scripts/version.sh)
  export VOTELAB_VERSION=$v
  [ -f "build/release/votelab-app-$v.tar.gz" ] || make --no-print-directory release
  [ -f "build/release/votelab-frontend-$v.tar.gz" ] || make --no-print-directory frontend-release
}

provision() {
  ensure_releases
  say "running site.yml (log: $STATE/site.log)"
  lab_playbook site.yml 2>&1 | tee "$STATE/site.log"
}

# ansible-playbook against the lab: the one inventory, the podman overlay, lab vars and the generated secrets.
lab_playbook() {
  ansible-playbook -i "$INVENTORY" -i "$OVERLAY" -e @lab/vars.yml -e @"$STATE/secrets.yml" "$@"
}

redeploy() {
  [ -s "$STATE/secrets.yml" ] || { echo "lab: no lab yet, run 'make lab' first" >&2; exit 1; }
  say "rolling redeploy (playbooks/redeploy.yml)"
  lab_playbook playbooks/redeploy.yml "$@"
}

# Sum of changed= over the last site.yml run's PLAY RECAP.
changed_total() {
  sed -n 's/.* changed=\([0-9]*\).*/\1/p' "$STATE/site.log" | awk '{s+=$1} END {print s+0}'
}

status() {
  python -m lab.status
}

summary() {
  local api_ip fe_ip broker kafka_jar kafka_mode
  api_ip=$(lab_group_ip api); fe_ip=$(lab_group_ip frontend)
  # what the broker VM runs: the version from its jar, the mode from its configuration
  broker=$(lab_group_host kafka)
  kafka_jar=$(podman exec "votelab-$broker" sh -c 'ls /opt/kafka/libs/kafka_*.jar' 2>/dev/null | head -1)
  kafka_mode=$(podman exec "votelab-$broker" grep -q '^zookeeper.connect=' /etc/kafka/server.properties 2>/dev/null \
    && echo "ZooKeeper mode" || echo "KRaft mode")
  echo
  say "ready"
  echo "  vote page        http://$fe_ip:3000"
  echo "  results          http://$fe_ip:3000/results"
  echo "  API docs         http://$api_ip:8000/docs"
  echo "  Kafka broker     Apache Kafka $(basename "${kafka_jar:-unknown}" .jar | sed 's/^kafka_[0-9.]*-//'), $kafka_mode ($broker)"
  echo "  site.yml         changed=$(changed_total) (a second 'make lab' changes nothing)"
  echo
}

up() {
  # LAB_PREPARED=1: the caller already ran these (e.g. to hold the podman lock around the rest)
  [ "${LAB_PREPARED:-0}" = 1 ] || make --no-print-directory bootstrap venv image
  ensure_network
  while read -r name ip; do ensure_vm "$name" "$ip"; done < <(lab_hosts)
  while read -r name ip; do lab_require_route "$ip"; wait_booted "$name"; done < <(lab_hosts)
  ensure_secrets
  provision
  status
  summary
}

down() {
  say "removing lab containers and network"
  podman ps -a --filter label=votelab.lab=1 --format '{{.Names}}' | xargs -r podman rm -f -t 5 >/dev/null
  if podman network exists "$LAB_NETWORK"; then podman network rm "$LAB_NETWORK" >/dev/null; fi
  rm -rf "$STATE"
}

case "${1:-}" in
  up) up ;;
  provision) provision ;;
  redeploy) shift; redeploy "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|provision|redeploy|down|status" >&2; exit 2 ;;
esac
