"""Policy over the rendered manifests: strict schema validation against the target Kubernetes version (offline), and
the rules the migration promises: probes, requests and limits and a restricted securityContext on every container;
selectors that match their pods; pinned image tags; rollouts that keep a ready pod; no more consumers than
partitions; and every NetworkPolicy flow one of the VMs' firewall flows (roles/common)."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from app.core.topics import VOTES
from tests.kubernetes.conftest import REPO_ROOT, TEST_SECRETS, of_kind

KUBERNETES_VERSION = "1.37.0"
# pods' inventory groups: the firewall flows name groups, the manifests name apps
TIER_OF_APP = {"votelab-api": "api", "votelab-consumer": "consumer", "votelab-frontend": "frontend"}
# cluster DNS has no VM counterpart (a VM resolves nothing: the inventory hands it addresses)
DNS_PORT = 53


def _containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deployment["spec"]["template"]["spec"]["containers"])


def test_every_document_is_valid_kubernetes_strictly(manifests: list[dict[str, Any]]) -> None:
    for doc in manifests:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_every_container_has_probes_resources_and_a_restricted_security_context(
    manifests: list[dict[str, Any]],
) -> None:
    for deployment in of_kind(manifests, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        name = deployment["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        for container in _containers(deployment):
            where = f"{name}/{container['name']}"
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in container, f"{where}: no {probe}"
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, f"{where}: {bound}"
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"] == {"drop": ["ALL"]}, where


def test_images_are_pinned_to_the_release(manifests: list[dict[str, Any]]) -> None:
    for deployment in of_kind(manifests, "Deployment"):
        for container in _containers(deployment):
            image = container["image"]
            repository, _, tag = image.rpartition(":")
            assert repository and tag and tag != "latest", image
            assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag), image


def test_selectors_match_the_pods_they_select(manifests: list[dict[str, Any]]) -> None:
    pod_labels = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"] for d in of_kind(manifests, "Deployment")
    }

    def selects(selector: dict[str, str]) -> list[str]:
        return [name for name, labels in pod_labels.items() if selector.items() <= labels.items()]

    for deployment in of_kind(manifests, "Deployment"):
        name = deployment["metadata"]["name"]
        assert selects(deployment["spec"]["selector"]["matchLabels"]) == [name]
    for service in of_kind(manifests, "Service"):
        assert selects(service["spec"]["selector"]) == [service["metadata"]["name"]]
        ports = {p["containerPort"] for d in of_kind(manifests, "Deployment")
                 if d["metadata"]["name"] == service["metadata"]["name"]
                 for c in _containers(d) for p in c.get("ports", [])}  # fmt: skip
        assert {p["port"] for p in service["spec"]["ports"]} <= ports
    for budget in of_kind(manifests, "PodDisruptionBudget"):
        assert selects(budget["spec"]["selector"]["matchLabels"]) == [budget["metadata"]["name"]]
        assert budget["spec"]["minAvailable"] == 1
    for policy in of_kind(manifests, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"].get("matchLabels", {})
        assert selects(selector), f"{policy['metadata']['name']} selects no pod"


def test_rollouts_keep_a_ready_pod_and_consumers_never_outnumber_partitions(manifests: list[dict[str, Any]]) -> None:
    deployments = {d["metadata"]["name"]: d["spec"] for d in of_kind(manifests, "Deployment")}
    assert deployments["votelab-api"]["replicas"] == 2
    for spec in deployments.values():
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert 1 <= deployments["votelab-consumer"]["replicas"] <= VOTES.partitions
    # a stop lets the consumer finish its batch: longer than the longest a batch may take
    grace = deployments["votelab-consumer"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > 15


def test_secrets_come_from_the_vault_and_no_secret_is_in_git(manifests: list[dict[str, Any]]) -> None:
    values = {base64.b64decode(v).decode() for s in of_kind(manifests, "Secret") for v in s.get("data", {}).values()}
    assert any(TEST_SECRETS["vault_votelab_admin_token"] == v for v in values)
    config_values = {v for d in of_kind(manifests, "ConfigMap") for v in (d.get("data") or {}).values()}
    assert not any(secret in value for value in config_values for secret in values)
    tracked = subprocess.run(["git", "ls-files", "deploy", "playbooks"], cwd=REPO_ROOT, capture_output=True, text=True)
    for path in tracked.stdout.split():
        assert "kind: Secret" not in (REPO_ROOT / path).read_text(errors="replace"), path


Destination = str | frozenset[str]  # a tier's group (pods) or the addresses of a group's VMs


def _inventory_addresses() -> dict[str, frozenset[str]]:
    listing = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-inventory")), "--list"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(listing.stdout)
    host_ip = {h: v["private_ip"] for h, v in data["_meta"]["hostvars"].items()}
    return {
        group: frozenset(f"{host_ip[h]}/32" for h in body["hosts"])
        for group, body in data.items()
        if isinstance(body, dict) and "hosts" in body
    }


def _firewall_flows() -> set[tuple[Destination, int, frozenset[str]]]:
    """(destination, port, source groups or {'*'}) of roles/common's flows, ports resolved as Ansible would; a flow
    into a tier that moves onto Kubernetes names the tier, any other names its VMs' addresses."""
    group_vars = yaml.safe_load((REPO_ROOT / "group_vars/all/main.yml").read_text())
    flows = yaml.safe_load((REPO_ROOT / "roles/common/defaults/main.yml").read_text())["common_firewall_flows"]
    addresses = _inventory_addresses()
    resolved: set[tuple[Destination, int, frozenset[str]]] = set()
    for flow in flows:
        found = re.fullmatch(r"\{\{\s*(\w+)\s*\|\s*default\((\d+)\)\s*\}\}", str(flow["port"]))
        port = int(group_vars.get(found.group(1), found.group(2))) if found else int(flow["port"])
        sources = frozenset(["*"]) if flow.get("from_any") else frozenset(flow["from_groups"])
        destination: Destination = flow["group"] if flow["group"] in TIER_OF_APP.values() else addresses[flow["group"]]
        resolved.add((destination, port, sources))
    return resolved


def _named(destination: Destination) -> str:
    return destination if isinstance(destination, str) else ",".join(sorted(destination))


def _tier(peer: dict[str, Any]) -> str:
    return TIER_OF_APP[peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]]


def _policy_flows(manifests: list[dict[str, Any]]) -> set[tuple[Destination, int, str]]:
    """(destination, port, source) of every NetworkPolicy rule; a source is a tier's group or '*' (anyone)."""
    flows: set[tuple[Destination, int, str]] = set()
    for policy in of_kind(manifests, "NetworkPolicy"):
        spec = policy["spec"]
        own = TIER_OF_APP.get(spec["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name", ""), "")
        for rule in spec.get("ingress", []):
            for port in rule["ports"]:
                for source in [_tier(peer) for peer in rule.get("from", [])] or ["*"]:
                    flows.add((own, int(port["port"]), source))
        for rule in spec.get("egress", []):
            cidrs = frozenset(p["ipBlock"]["cidr"] for p in rule["to"] if "ipBlock" in p)
            pods = [_tier(p) for p in rule["to"] if "podSelector" in p and "namespaceSelector" not in p]
            for port in rule["ports"]:
                if int(port["port"]) == DNS_PORT:
                    continue
                for destination in ([cidrs] if cidrs else []) + pods:
                    flows.add((destination, int(port["port"]), own))
    return flows


def test_every_network_policy_flow_is_a_firewall_flow(manifests: list[dict[str, Any]]) -> None:
    firewall = _firewall_flows()
    for destination, port, source in _policy_flows(manifests):
        assert any(
            fw_destination == destination and fw_port == port and (source in sources or "*" in sources)
            for fw_destination, fw_port, sources in firewall
        ), f"NetworkPolicy admits {source} -> {_named(destination)}:{port}, which no firewall flow does"


def test_every_firewall_flow_of_a_moved_tier_is_a_network_policy_flow(manifests: list[dict[str, Any]]) -> None:
    """The other way round: a flow the VMs admit for the API, the consumer or the front end is admitted here too."""
    policy = _policy_flows(manifests)
    tiers = set(TIER_OF_APP.values())
    for destination, port, sources in _firewall_flows():
        wanted = sources & tiers
        if "*" in sources and destination in tiers:
            wanted |= {"*"}
        for source in wanted:
            assert (destination, port, source) in policy, f"firewall admits {source} -> {destination}:{port}"


def test_default_deny_covers_every_pod(manifests: list[dict[str, Any]]) -> None:
    deny = [p for p in of_kind(manifests, "NetworkPolicy") if p["metadata"]["name"] == "default-deny"]
    assert deny and deny[0]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("kind", ["Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ConfigMap"])
def test_everything_lives_in_the_votelab_namespace(manifests: list[dict[str, Any]], kind: str) -> None:
    assert {d["metadata"].get("namespace") for d in of_kind(manifests, kind)} == {"votelab"}
