"""Host firewalls on the lab admit exactly the flows the topology needs: each needed flow connects, each other
source is refused, from every VM and from the control node. Flows are derived from the inventory's duty groups."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from labcheck import LabChecks
from probes import connects_from_control_node, connects_from_vm

from lab.hosts import LabHost

# service group, port, groups whose hosts may connect (the topology's flows; the front end is open to users)
FLOWS = [
    ("api", 8000, {"frontend"}),
    ("kafka", 9092, {"api", "consumer", "kafka"}),
    ("redis", 6379, {"api", "consumer"}),
    ("postgresql", 5432, {"api", "consumer"}),
    ("zookeeper", 2181, {"kafka"}),
    ("zookeeper", 2888, {"zookeeper"}),
    ("zookeeper", 3888, {"zookeeper"}),
    ("backup", 8432, {"postgresql"}),
    ("postgresql", 8432, {"backup"}),
]


@pytest.mark.timeout(300)
def test_only_the_needed_flows_are_admitted(healthy_lab: LabChecks) -> None:
    inv = healthy_lab.inventory
    cases: list[tuple[str, LabHost | None, LabHost, int, bool]] = []
    for group, port, allowed in FLOWS:
        for target_name in inv.groups[group]:
            target = inv.hosts[target_name]
            for source in inv.hosts.values():
                if source.name == target.name:
                    continue  # a host's own services are reached over loopback
                may = any(source.name in inv.groups.get(g, []) for g in allowed)
                cases.append((f"{source.name}->{target.name}:{port}", source, target, port, may))
            cases.append((f"control-node->{target.name}:{port}", None, target, port, False))

    def run(case: tuple[str, LabHost | None, LabHost, int, bool]) -> tuple[str, bool, bool]:
        name, source, target, port, may = case
        got = connects_from_vm(source, target.ip, port) if source else connects_from_control_node(target.ip, port)
        return name, may, got

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, cases))
    wrong = [f"{name}: expected {'open' if may else 'refused'}" for name, may, got in results if may != got]
    summary = {"checked": len(results), "admitted": sum(m for _, m, _ in results)}
    print(json.dumps(summary))
    assert not wrong, wrong
    assert summary["admitted"] >= 4

    # users reach the front end from anywhere, the control node included
    frontend = inv.first("frontend")
    assert connects_from_control_node(frontend.ip, 3000)
