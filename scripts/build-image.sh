#!/usr/bin/env bash
# Builds localhost/debian12-systemd:latest, the systemd-enabled Debian 12 image Molecule and the lab boot as "VMs".
# debootstrap + `podman import`; cached: skipped when the image exists and carries this recipe's hash as a label,
# so editing the package list or this script rebuilds it; --rebuild builds it anew whatever it carries (`make test`
# does, once per run). Packages come through the host's apt-cacher-ng when it runs (make apt-cache), else straight
# from the mirror. Like a cloud image it runs sshd and ships no host keys: each VM makes its own at first boot.
# A build takes the shared podman lock (/tmp/votelab-podman.lock) itself; finding the image current needs no lock,
# so a lab brought up while Molecule holds the lock for its whole run is not held up by it.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${VOTELAB_IMAGE:-localhost/debian12-systemd:latest}
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# python3-apt lets Ansible's apt module run without bootstrapping itself on every converge; openssh-server and
# sudo are what a Debian cloud image gives its admin (the lab reaches its VMs over SSH as a sudo user).
PACKAGES=systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,procps,ca-certificates,sudo,gnupg,less,openssh-server
rebuild=no
case "${1:-}" in
  "") ;;
  --rebuild) rebuild=yes ;;
  *) echo "usage: $0 [--rebuild]" >&2; exit 2 ;;
esac

recipe=$( { cat "$0"; echo "$IMAGE $SUITE $PACKAGES"; } | sha256sum | cut -c1-16)
current() { [ "$(podman image inspect --format '{{ index .Labels "votelab.recipe" }}' "$IMAGE" 2>/dev/null)" = "$recipe" ]; }
if [ "$rebuild" = no ] && current; then
  echo "==> image $IMAGE is current (recipe $recipe)"
  exit 0
fi
if [ -z "${VOTELAB_PODMAN_LOCKED:-}" ]; then
  export VOTELAB_PODMAN_LOCKED=1
  exec flock /tmp/votelab-podman.lock "$0" "$@"
fi
# under the lock: another run may have built it while this one waited
if [ "$rebuild" = no ] && current; then
  echo "==> image $IMAGE is current (recipe $recipe, built while waiting for the podman lock)"
  exit 0
fi

fetch_from=$MIRROR
if (exec 3<>/dev/tcp/127.0.0.1/3142) 2>/dev/null; then fetch_from="http://127.0.0.1:3142/${MIRROR#http://}"; fi
rootfs=$(mktemp -d /var/tmp/votelab-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "==> image: debootstrap $SUITE (minbase + $PACKAGES)"
start=$(date +%s)
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$fetch_from" >"$rootfs.log" 2>&1 \
  || { tail -30 "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

# The image talks to the real mirror; Molecule/lab point apt at the cache themselves when it is there.
cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
SOURCES
# Container hygiene: no stale machine-id (systemd makes one at boot), no package caches, no units that cannot run here.
: >"$rootfs/etc/machine-id"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
for unit in systemd-remount-fs.service getty.target console-getty.service systemd-logind.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
# No SSH host keys in the image (every VM made from it would share them): like a cloud image's first boot, sshd
# makes the missing ones before it starts.
rm -f "$rootfs"/etc/ssh/ssh_host_*
mkdir -p "$rootfs/etc/systemd/system/ssh.service.d"
cat >"$rootfs/etc/systemd/system/ssh.service.d/host-keys.conf" <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
[ -L "$rootfs/etc/systemd/system/multi-user.target.wants/ssh.service" ] \
  || { echo "image: ssh.service is not enabled in the rootfs" >&2; exit 1; }

echo "==> image: importing as $IMAGE"
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
tar -C "$rootfs" -c . | podman import \
  --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL votelab.recipe=$recipe" - "$IMAGE" >/dev/null
# The image it replaces is left untagged; removed unless a container still runs from it.
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
echo "==> image $IMAGE built in $(( $(date +%s) - start ))s (recipe $recipe)"
