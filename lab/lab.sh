#!/usr/bin/env bash
# The four-VM lab on one machine, deployed exactly as real VMs are: systemd containers vm1..vm4 on a podman bridge
# holding the inventory's addresses, each running sshd with an unprivileged admin account (passwordless sudo, an SSH
# key), provisioned by the real site.yml over SSH with become, its secrets in an ansible-vault file.
# podman only makes, breaks and inspects the VMs. Usage: lab.sh up | provision | redeploy | restore [ansible args] | status | down
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lab/net.sh
source lab/net.sh
export PATH="$PWD/.venv/bin:$PATH"

IMAGE=${LAB_IMAGE:-localhost/debian12-systemd:latest}
INVENTORY=inventory/hosts.ini
# The lab's state, outside git (.lab/ is ignored); absolute, since Ansible reads the key and known-hosts from it.
STATE=$PWD/.lab
# How Ansible reaches the VMs (user, key, known-hosts file) and the lab's own variables.
SSH_VARS=lab/ssh.yml
LAB_VARS=lab/vars.yml
ADMIN=$(sed -n 's/^ansible_user: *//p' "$SSH_VARS")
SSH_KEY=$STATE/ssh/id_ed25519
KNOWN_HOSTS=$STATE/known_hosts
# The lab's secrets, encrypted with ansible-vault; the password file is the only clear-text secret kept.
VAULT=$STATE/secrets.vault.yml
VAULT_PASSWORD=$STATE/vault-password

say() { printf '\033[1m==> lab: %s\033[0m\n' "$*"; }

# name, ansible_host (how Ansible reaches it) and private_ip (its address on the lab network) of every VM,
# read from the one inventory
lab_hosts() {
  ansible-inventory -i "$INVENTORY" --list 2>/dev/null | python3 -c '
import json, sys
inv = json.load(sys.stdin)
for name, hv in sorted(inv["_meta"]["hostvars"].items()):
    print(name, hv.get("ansible_host", name), hv["private_ip"])'
}

lab_group_host() { ansible-inventory -i "$INVENTORY" --list | python3 -c "import json,sys; print(json.load(sys.stdin)['$1']['hosts'][0])"; }
lab_group_ip() { ansible-inventory -i "$INVENTORY" --host "$(lab_group_host "$1")" | python3 -c "import json,sys; print(json.load(sys.stdin)['private_ip'])"; }

# Every address a lab command is about to contact (SSH included) must route through the lab bridge.
require_routes() {
  local name addr ip
  while read -r name addr ip; do lab_require_route "$addr"; lab_require_route "$ip"; done < <(lab_hosts)
}

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

# A VM's MAC address, fixed like a real VM's NIC: podman would give a restarted container a new one, and the
# control node and the other VMs would keep sending to the old one until their neighbour entries expire (a first
# SSH connection after a restart then took 11.6 s, past Ansible's 10 s timeout).
lab_mac() {
  local IFS=.
  # shellcheck disable=SC2086 # split the address into its octets
  printf '02:00:%02x:%02x:%02x:%02x' $1
}

# A VM made differently from what ensure_vm makes now (from an older image, whose recipe changed or which `make test`
# built anew; or without its fixed MAC address) is made anew.
drop_if_outdated() {
  local ctr=$1 ip=$2
  podman container exists "$ctr" || return 0
  if [ "$(podman inspect -f '{{.Image}}' "$ctr")" != "$(podman image inspect -f '{{.Id}}' "$IMAGE")" ]; then
    say "$ctr was made from an older image than $IMAGE; making it anew"
  elif ! podman inspect -f '{{join .Config.CreateCommand " "}}' "$ctr" | grep -q -- "--mac-address $(lab_mac "$ip")"; then
    say "$ctr has no fixed MAC address; making it anew"
  else
    return 0
  fi
  podman rm -f -t 5 "$ctr" >/dev/null
}

ensure_vm() {
  local name=$1 ip=$2 ctr="votelab-$1"
  drop_if_stale "$ctr"
  drop_if_outdated "$ctr" "$ip"
  if ! podman container exists "$ctr"; then
    say "creating $name ($ip)"
    # LAB_CPU_SHARES (podman's default 1024) weighs the VMs against other containers when the cores are short:
    # make test gives them twice a Molecule container's weight, the lab being its longest lane
    podman run -d --name "$ctr" --hostname "$name" --network "$LAB_NETWORK" --ip "$ip" --mac-address "$(lab_mac "$ip")" \
      --cpu-shares "${LAB_CPU_SHARES:-1024}" --systemd=always --cap-add NET_ADMIN,NET_RAW --label votelab.lab=1 \
      "$IMAGE" /sbin/init >/dev/null
  elif [ "$(podman inspect -f '{{.State.Running}}' "$ctr")" != true ]; then
    say "starting $name"
    podman start "$ctr" >/dev/null
  fi
}

wait_booted() {
  local ctr="votelab-$1" state
  for _ in $(seq 1 60); do
    state=$(podman exec "$ctr" systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 1
  done
  case "$state" in running|degraded) ;; *)
    echo "lab: $ctr did not finish booting (systemd says '${state:-nothing}'); its last log lines:" >&2
    podman logs --tail 20 "$ctr" >&2 || true
    exit 1 ;;
  esac
  if ! podman exec "$ctr" systemctl is-active --quiet ssh.service; then
    echo "lab: sshd is not running on $ctr; its log:" >&2
    podman exec "$ctr" journalctl -u ssh.service --no-pager -n 20 >&2 || true
    exit 1
  fi
}

# The lab's state directory and the admin's SSH key pair, made once (lab-down removes them with the VMs).
ensure_state() {
  mkdir -p "$STATE"; chmod 700 "$STATE"
  [ -s "$SSH_KEY" ] && return 0
  say "generating the lab admin's SSH key in ${SSH_KEY#"$PWD/"}"
  mkdir -p "$STATE/ssh"; chmod 700 "$STATE/ssh"
  rm -f "$SSH_KEY" "$SSH_KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C "$ADMIN@votelab-lab" -f "$SSH_KEY"
}

# What a cloud image's first boot does for its default user, done through podman (the only way in before SSH
# works): an unprivileged admin account with the lab's public key and passwordless sudo. Idempotent.
ensure_admin() {
  local ctr="votelab-$1"
  # shellcheck disable=SC2016 # expanded inside the VM
  podman exec -i -e ADMIN="$ADMIN" "$ctr" bash -euo pipefail -c '
    id -u "$ADMIN" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$ADMIN"
    home=$(getent passwd "$ADMIN" | cut -d: -f6)
    install -d -m 0700 -o "$ADMIN" -g "$ADMIN" "$home/.ssh"
    key=$(cat)
    if [ "$(cat "$home/.ssh/authorized_keys" 2>/dev/null)" != "$key" ]; then
      printf "%s\n" "$key" >"$home/.ssh/authorized_keys.new"
      chown "$ADMIN:$ADMIN" "$home/.ssh/authorized_keys.new"; chmod 0600 "$home/.ssh/authorized_keys.new"
      mv "$home/.ssh/authorized_keys.new" "$home/.ssh/authorized_keys"
    fi
    rule=$(printf "%s\n" "# the lab admin, made by lab/lab.sh: passwordless sudo, as a cloud image gives its default user" \
      "Defaults:$ADMIN !requiretty" "$ADMIN ALL=(ALL:ALL) NOPASSWD: ALL")
    sudoers=/etc/sudoers.d/votelab-admin
    if [ "$(cat "$sudoers" 2>/dev/null)" != "$rule" ]; then
      # sudo ignores files whose name has a dot, so the candidate is inert until visudo accepts it
      tmp=$(mktemp /etc/sudoers.d/.votelab-admin.XXXXXX)
      printf "%s\n" "$rule" >"$tmp"; chmod 0440 "$tmp"
      visudo -cqf "$tmp" || { rm -f "$tmp"; echo "visudo rejects the sudoers rule for $ADMIN" >&2; exit 1; }
      mv "$tmp" "$sudoers"
    fi' <"$SSH_KEY.pub"
}

# known_hosts for the VMs: each host key sshd presents (ssh-keyscan, after the route check) must be one the VM
# holds (read through podman, out of band, as one compares a cloud console's fingerprints); Ansible then connects
# with StrictHostKeyChecking=yes against this file only. Rewritten on every `up`, since VMs may have been made anew.
record_host_keys() {
  local name addr ip held scanned tmp
  tmp=$(mktemp "$STATE/known_hosts.XXXXXX")
  while read -r name addr ip; do
    lab_require_route "$addr"
    held=$(podman exec "votelab-$name" sh -c 'cat /etc/ssh/ssh_host_*_key.pub' | awk '{print $1, $2}' | sort)
    scanned=""
    for _ in $(seq 1 20); do
      scanned=$(ssh-keyscan -T 5 "$addr" 2>/dev/null | awk '!/^#/ {print $2, $3}' | sort || true)
      [ -n "$scanned" ] && break
      sleep 0.5
    done
    if [ -z "$scanned" ]; then
      echo "lab: no SSH host key from $name ($addr)" >&2; rm -f "$tmp"; exit 1
    fi
    if [ -n "$(comm -23 <(echo "$scanned") <(echo "$held"))" ]; then
      echo "lab: $addr presents an SSH host key that $name does not hold; refusing to trust it" >&2
      rm -f "$tmp"; exit 1
    fi
    echo "$scanned" | awk -v host="$addr" '{print host, $1, $2}' >>"$tmp"
  done < <(lab_hosts)
  chmod 600 "$tmp"; mv "$tmp" "$KNOWN_HOSTS"
}

# Random lab secrets, made once and kept only vault-encrypted: the plain text goes straight from lab/make_secrets.py
# into ansible-vault, never onto disk. The vault's password is random too (.lab/vault-password, mode 0600).
# A plain .lab/secrets.yml from an earlier lab is encrypted the same way (same values), then deleted.
ensure_secrets() {
  local plain=$STATE/secrets.yml
  if [ ! -s "$VAULT_PASSWORD" ]; then
    if [ -s "$VAULT" ]; then
      echo "lab: ${VAULT#"$PWD/"} exists but its password file ${VAULT_PASSWORD#"$PWD/"} is gone;" \
        "'make lab-down' then 'make lab' makes the lab anew" >&2
      exit 1
    fi
    say "generating the lab's vault password in ${VAULT_PASSWORD#"$PWD/"}"
    (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"$VAULT_PASSWORD.new")
    mv "$VAULT_PASSWORD.new" "$VAULT_PASSWORD"
  fi
  chmod 600 "$VAULT_PASSWORD"
  if [ -e "$plain" ]; then
    if [ ! -s "$VAULT" ]; then
      say "encrypting the lab's plain-text secrets into ${VAULT#"$PWD/"}"
      ansible-vault encrypt --vault-password-file "$VAULT_PASSWORD" --output "$VAULT.new" "$plain"
      chmod 600 "$VAULT.new"; mv "$VAULT.new" "$VAULT"
    fi
    say "deleting the plain-text ${plain#"$PWD/"}"
    shred -u "$plain" 2>/dev/null || rm -f "$plain"
  fi
  if [ -s "$VAULT" ]; then
    # a secret the example gained since this lab was made is added (the others keep their values); the plain
    # text stays in memory
    local merged rc=0
    merged=$(ansible-vault view --vault-password-file "$VAULT_PASSWORD" "$VAULT" | python3 lab/make_secrets.py --merge) \
      || rc=$?
    case $rc in
      0) say "adding the secrets vault.yml.example gained to ${VAULT#"$PWD/"}"
         printf '%s\n' "$merged" | ansible-vault encrypt --vault-password-file "$VAULT_PASSWORD" --output "$VAULT.new" -
         chmod 600 "$VAULT.new"; mv "$VAULT.new" "$VAULT" ;;
      3) ;;
      *) echo "lab: could not read ${VAULT#"$PWD/"} to add new secrets" >&2; exit 1 ;;
    esac
    return 0
  fi
  say "generating lab secrets, vault-encrypted, in ${VAULT#"$PWD/"}"
  python3 lab/make_secrets.py | ansible-vault encrypt --vault-password-file "$VAULT_PASSWORD" --output "$VAULT.new" -
  chmod 600 "$VAULT.new"; mv "$VAULT.new" "$VAULT"
}

# The releases site.yml deploys, built once on the control node (hosts install them offline). The version is
# fixed once per run (exported), so the builds and the playbook agree even if the tree changes meanwhile.
ensure_releases() {
  local v; v=$(bash scripts/version.sh)
  export VOTELAB_VERSION=$v
  [ -f "build/release/votelab-app-$v.tar.gz" ] || make --no-print-directory release
  [ -f "build/release/votelab-frontend-$v.tar.gz" ] || make --no-print-directory frontend-release
}

require_lab() {
  if [ ! -s "$VAULT" ] || [ ! -s "$KNOWN_HOSTS" ] || [ ! -s "$SSH_KEY" ]; then
    echo "lab: no lab yet, run 'make lab' first" >&2
    exit 1
  fi
  require_routes
}

# Extra arguments go to ansible-playbook: `--limit postgresql:consumer:backup` after VM3 was replaced runs site.yml
# on that VM and the backup host it pairs with, leaving the others untouched (docs/operations.md).
provision() {
  require_lab
  ensure_releases
  say "running site.yml${*:+ $*} over SSH as $ADMIN (log: .lab/site.log)"
  local start=$SECONDS
  lab_playbook site.yml "$@" 2>&1 | tee "$STATE/site.log"
  say "site.yml took $(( SECONDS - start ))s"
}

# ansible-playbook against the lab as against real VMs: the one inventory over SSH (the lab's user, key and
# known-hosts file), the lab's variables, and its secrets decrypted by ansible-vault like a site's vault.yml.
lab_playbook() {
  ansible-playbook -i "$INVENTORY" -e "votelab_lab_state=$STATE" -e @"$SSH_VARS" -e @"$LAB_VARS" \
    --vault-password-file "$VAULT_PASSWORD" -e @"$VAULT" "$@"
}

# playbooks/restore.yml on the lab; the caller passes the confirmation and the target (make lab-restore). The report
# is written to .lab/restore-report.json for the drills.
restore() {
  require_lab
  say "restoring PostgreSQL from the backup repository over SSH as $ADMIN (playbooks/restore.yml)"
  lab_playbook playbooks/restore.yml -e "restore_report=$STATE/restore-report.json" "$@"
}

redeploy() {
  require_lab
  say "rolling redeploy over SSH as $ADMIN (playbooks/redeploy.yml)"
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
  say "ready in $1s"
  echo "  vote page        http://$fe_ip:3000"
  echo "  results          http://$fe_ip:3000/results"
  echo "  API docs         http://$api_ip:8000/docs"
  echo "  Kubernetes API   https://$(lab_group_ip k8s_control_plane):6443  (kubectl --kubeconfig .lab/kubeconfig; no nodes: pods stay Pending)"
  echo "  Backups          pgBackRest repository on $(lab_group_host backup) (VM3's WAL and backups; make lab-restore CONFIRM=yes restores)"
  echo "  Kafka broker     Apache Kafka $(basename "${kafka_jar:-unknown}" .jar | sed 's/^kafka_[0-9.]*-//'), $kafka_mode ($broker)"
  echo "  site.yml         changed=$(changed_total) (a second 'make lab' changes nothing)"
  echo "  SSH              ssh -i .lab/ssh/id_ed25519 -o UserKnownHostsFile=.lab/known_hosts $ADMIN@<VM address>"
  echo
}

up() {
  local start=$SECONDS name addr ip
  # LAB_PREPARED=1: the caller already ran these (e.g. to hold the podman lock around the rest)
  [ "${LAB_PREPARED:-0}" = 1 ] || make --no-print-directory bootstrap venv image
  ensure_network
  while read -r name addr ip; do ensure_vm "$name" "$ip"; done < <(lab_hosts)
  while read -r name addr ip; do lab_require_route "$ip"; wait_booted "$name"; done < <(lab_hosts)
  ensure_state
  while read -r name addr ip; do ensure_admin "$name"; done < <(lab_hosts)
  record_host_keys
  ensure_secrets
  provision "$@"
  status
  summary $(( SECONDS - start ))
}

down() {
  say "removing lab containers and network"
  podman ps -a --filter label=votelab.lab=1 --format '{{.Names}}' | xargs -r podman rm -f -t 5 >/dev/null
  if podman network exists "$LAB_NETWORK"; then podman network rm "$LAB_NETWORK" >/dev/null; fi
  rm -rf "$STATE"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  provision) shift; provision "$@" ;;
  redeploy) shift; redeploy "$@" ;;
  restore) shift; restore "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|provision [ansible-playbook args]|redeploy|restore|down|status" >&2; exit 2 ;;
esac
