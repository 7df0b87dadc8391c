"""axe-core (frontend/node_modules, pinned in package-lock.json) run inside a page: the WCAG 2.1 A and AA rules, and
a failure message that names each violation's rule, impact and elements so it can be fixed without a rerun."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from devstack.stack import REPO_ROOT

AXE_SCRIPT = REPO_ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def run_axe(page: Page) -> dict[str, Any]:
    """axe's results for the page as it is now, limited to the WCAG 2.1 AA tags. The page's context needs
    bypass_csp: the pages allow only nonce-stamped scripts, and axe is injected as a script tag."""
    if not AXE_SCRIPT.exists():
        raise FileNotFoundError(f"{AXE_SCRIPT} is missing: run `make frontend-deps`")
    page.add_script_tag(path=str(AXE_SCRIPT))
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, { runOnly: { type: 'tag', values: tags } })", list(WCAG_21_AA)
    )
    return results


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One line per violation: rule id, impact, what it requires, and every failing element's selector."""
    lines = []
    for violation in violations:
        targets = "; ".join(" >> ".join(map(str, node["target"])) for node in violation["nodes"])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return "\n".join(lines)
