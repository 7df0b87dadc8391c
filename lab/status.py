"""`make lab-status`: each lab VM's services and health endpoints, inspected through podman exec.

Which units a VM should run follows from its duty groups in inventory/hosts.ini, so a group that grows to more
hosts is reported without changes here. Exit code 1 if anything is down.
"""

from __future__ import annotations

import sys

from lab.hosts import LabHost, load_inventory, require_lab_route

# duty group -> systemd units the roles install for it
GROUP_UNITS: dict[str, tuple[str, ...]] = {
    "votelab": ("votelab-firewall",),
    "k8s_control_plane": ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"),
    "zookeeper": ("zookeeper",),
    "kafka": ("kafka",),
    "redis": ("redis-server",),
    "postgresql": ("postgresql@15-main", "pgbackrest"),
    "api": ("votelab-api.socket", "votelab-api"),
    "consumer": ("votelab-consumer",),
    "frontend": ("votelab-frontend.socket", "votelab-frontend"),
    "backup": ("pgbackrest",),
}
# duty group -> (port, path) answered on the VM's private address when healthy
GROUP_HEALTH: dict[str, tuple[int, str]] = {
    "api": (8000, "/readyz"),
    "frontend": (3000, "/healthz"),
}
FETCH = (
    "import sys,urllib.request;"
    "r=urllib.request.urlopen(sys.argv[1],timeout=3);print(r.status,r.read(200).decode(errors='replace'))"
)


def http_check(host: LabHost, port: int, path: str) -> tuple[bool, str]:
    out = host.run("python3", "-c", FETCH, f"http://{host.ip}:{port}{path}", check=False, timeout=10)
    text = (out.stdout or out.stderr).strip().splitlines()
    return out.returncode == 0, (text[-1] if text else "no answer")[:100]


def main() -> int:
    inventory = load_inventory()
    healthy = True
    for host in sorted(inventory.hosts.values(), key=lambda h: h.name):
        require_lab_route(host.ip)
        groups = [g for g, members in sorted(inventory.groups.items()) if host.name in members]
        print(f"{host.name} {host.ip}  [{', '.join(groups)}]")
        for group in groups:
            for unit in GROUP_UNITS.get(group, ()):
                state = host.systemctl("is-active", unit, check=False).stdout.strip() or "unknown"
                healthy &= state == "active"
                print(f"    {unit:<24} {state}")
            if group in GROUP_HEALTH:
                port, path = GROUP_HEALTH[group]
                ok, detail = http_check(host, port, path)
                healthy &= ok
                print(f"    {f'GET :{port}{path}':<24} {'ok' if ok else 'FAILED'}  {detail}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
