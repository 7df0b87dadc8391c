"""Handles on the running four-VM lab, shared by `make lab-status` and the end-to-end tests.

Every address is checked to route through the lab's own podman bridge before anything is sent to it
(the lab's 172.16.1.0/24 exists only on this machine). Ansible reaches the VMs over SSH like real VMs; the tests
and `make lab-status` inspect them and inject faults through `podman exec`, which needs no port or account.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".lab"
SECRETS = STATE / "secrets.vault.yml"
VAULT_PASSWORD = STATE / "vault-password"
LAB_NETWORK = "votelab-lab"
LAB_SUBNET = ipaddress.ip_network("172.16.1.0/24")


class LabRouteError(RuntimeError):
    """Raised instead of sending traffic to an address that would leave this machine."""


def lab_bridge() -> str:
    out = subprocess.run(
        ["podman", "network", "inspect", LAB_NETWORK, "--format", "{{.NetworkInterface}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0 or not out.stdout.strip():
        raise LabRouteError(f"the podman network {LAB_NETWORK} does not exist: run 'make lab' first")
    return out.stdout.strip()


def _lab_container_of_this_netns() -> str | None:
    """The lab container whose network namespace this process runs in (see LabHost.in_netns), if any."""
    mine = Path("/proc/self/ns/net").stat().st_ino
    out = subprocess.run(
        ["podman", "ps", "--filter", "label=votelab.lab=1", "--format", "{{.Names}} {{.Pid}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in out.stdout.splitlines():
        name, pid = line.split()
        try:
            if Path(f"/proc/{pid}/ns/net").stat().st_ino == mine:
                return name
        except OSError:
            continue
    return None


def require_lab_route(address: str) -> None:
    """Fail unless `ip route get address` leaves through the lab bridge, or, for a process running inside a lab
    VM's network namespace, unless the address is on that VM's own lab link (no gateway)."""
    bridge = lab_bridge()
    out = subprocess.run(["ip", "-j", "route", "get", address], capture_output=True, text=True, check=False)
    routes = json.loads(out.stdout or "[]") if out.returncode == 0 else []
    route = routes[0] if routes else {}
    if route.get("dev") == bridge:
        return
    container = _lab_container_of_this_netns()
    on_lab_link = "gateway" not in route and all(
        ipaddress.ip_address(a) in LAB_SUBNET for a in (address, route.get("prefsrc", "0.0.0.0"))
    )
    if container and on_lab_link:
        return
    raise LabRouteError(
        f"refusing to contact {address}: it routes via {route.get('dev')!r}, not the lab bridge {bridge!r}"
        f"{f' nor on-link from {container}' if container else ''}; lab traffic must stay on this machine"
    )


@dataclass(frozen=True)
class LabHost:
    """One lab VM: its inventory name, private address and the container that plays it."""

    name: str
    ip: str

    @property
    def container(self) -> str:
        return f"votelab-{self.name}"

    def run(self, *argv: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["podman", "exec", self.container, *argv],
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def systemctl(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("systemctl", *argv, check=check)

    def in_netns(self, *argv: str) -> list[str]:
        """argv to run a control-node program inside this VM's network namespace: its traffic then comes from
        this VM's address (through its firewall), while the program and its files stay the control node's."""
        pid = subprocess.run(
            ["podman", "inspect", "-f", "{{.State.Pid}}", self.container],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return ["nsenter", "-t", pid, "-n", "--", *argv]


@dataclass(frozen=True)
class Inventory:
    """Hosts and duty groups exactly as inventory/hosts.ini declares them."""

    hosts: dict[str, LabHost]
    groups: dict[str, list[str]]

    def first(self, group: str) -> LabHost:
        return self.hosts[self.groups[group][0]]


def lab_secrets() -> dict[str, str]:
    """The lab's generated secrets, decrypted the way its playbook runs decrypt them: ansible-vault with the lab's
    password file (nothing else in .lab/ holds them in clear text)."""
    for path in (SECRETS, VAULT_PASSWORD):
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: run 'make lab' first")
    out = subprocess.run(
        ["ansible-vault", "decrypt", "--vault-password-file", str(VAULT_PASSWORD), "--output", "-", str(SECRETS)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"ansible-vault could not decrypt {SECRETS}: {out.stderr.strip()}")
    data = yaml.safe_load(out.stdout)
    if not isinstance(data, dict):
        raise RuntimeError(f"{SECRETS} does not hold a mapping of secrets")
    return {str(k): str(v) for k, v in data.items()}


def load_inventory() -> Inventory:
    out = subprocess.run(
        ["ansible-inventory", "-i", str(ROOT / "inventory" / "hosts.ini"), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    hosts = {name: LabHost(name, hv["private_ip"]) for name, hv in data["_meta"]["hostvars"].items()}
    groups = {g: v["hosts"] for g, v in data.items() if isinstance(v, dict) and "hosts" in v}
    return Inventory(hosts, groups)
