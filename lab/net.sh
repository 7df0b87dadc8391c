#!/usr/bin/env bash
# Lab network helpers, sourced by the lab scripts. The lab's 172.16.1.0/24 must exist only as a podman bridge
# on this machine: every script that sends anything to a lab address calls lab_require_route first.
LAB_NETWORK=${LAB_NETWORK:-votelab-lab}
LAB_SUBNET=172.16.1.0/24
LAB_GATEWAY=172.16.1.1

lab_bridge() {
  podman network inspect "$LAB_NETWORK" --format '{{.NetworkInterface}}' 2>/dev/null
}

# Refuses (exit 3) unless ADDRESS routes through the lab's own podman bridge.
lab_require_route() {
  local addr=$1 bridge dev
  bridge=$(lab_bridge)
  if [ -z "$bridge" ]; then
    echo "refusing to contact $addr: the podman network $LAB_NETWORK does not exist (run 'make lab')" >&2
    exit 3
  fi
  dev=$(ip -o route get "$addr" 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p')
  if [ "$dev" != "$bridge" ]; then
    echo "refusing to contact $addr: it routes via '${dev:-nothing}', not the lab bridge '$bridge'; traffic must stay on this machine" >&2
    exit 3
  fi
}
