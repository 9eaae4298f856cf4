"""The import rules of ARCHITECTURE.md, enforced.

Domain modules of the mock never import Flask or werkzeug; the plugin and both package
``__init__`` modules import nothing heavy; checks never import the mock.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = [
    "errors", "schema", "paths", "values", "filters", "filter_lexer", "validation", "patch",
    "patch_targets", "store", "listing", "projection", "messages", "provider", "bulk",
]  # fmt: skip
WEB = ("flask", "werkzeug")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_do_not_import_the_web_framework(module: str) -> None:
    """Pure core: no domain module imports flask/werkzeug or the HTTP layer."""
    path = ROOT / "scim_mock" / f"{module}.py"
    if not path.exists():
        pytest.fail(f"ARCHITECTURE.md lists scim_mock/{module}.py but it does not exist")
    bad = {
        name
        for name in _imports(path)
        if name.split(".")[0] in WEB
        or name in ("scim_mock.http", "scim_mock.handlers", "scim_mock.app")
        or name.startswith("scim_mock.views")
    }
    assert not bad, f"scim_mock/{module}.py imports {sorted(bad)}"


def test_every_scim_mock_module_is_classified() -> None:
    """New modules must be placed in a layer here and in ARCHITECTURE.md."""
    layered = set(DOMAIN) | {
        "__init__", "__main__", "app", "config", "faults", "handlers", "http", "server",
    }  # fmt: skip
    present = {p.stem for p in (ROOT / "scim_mock").glob("*.py")}
    assert present <= layered, f"unclassified modules: {sorted(present - layered)}"
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [m for m in DOMAIN if f"`{m}`" not in text]
    assert not missing, f"ARCHITECTURE.md does not mention {missing}"


def test_checks_never_import_the_mock() -> None:
    """Checks talk HTTP only, so they judge the mock and a real provider alike."""
    for path in (ROOT / "scim_tests" / "checks").rglob("*.py"):
        bad = {n for n in _imports(path) if n.split(".")[0] == "scim_mock"}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("module", ["scim_mock", "scim_tests", "scim_tests.plugin"])
def test_package_imports_stay_light(module: str) -> None:
    """Importing the packages (and the pytest11 plugin) does not import Flask or the mock app."""
    code = (
        f"import sys; import {module}; "
        "heavy = [m for m in ('flask', 'werkzeug', 'scim_mock.app', 'jsonschema') "
        "if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import {module} pulled in {out.stdout.strip()}"
