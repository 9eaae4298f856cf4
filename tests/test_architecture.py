"""The rules of ARCHITECTURE.md, enforced.

The import rules are import-linter contracts (pyproject.toml): layers of the mock, no import
cycles (function-level and TYPE_CHECKING imports included), the mock never importing the defects,
checks never importing the mock. The rest is checked here: every module is placed in a layer,
module sizes, no monkeypatching seams, no named defect inside the mock, light package imports.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scim_mock", "scim_tests", "scim_defects")
HTTP = {"http", "handlers", "transport", "fault_transport"}
APP = {"__init__", "__main__", "app", "config", "extensions", "persona_hooks", "personas",
       "serve_workers", "server", "tenants", "variants"}  # fmt: skip
#: Style guide: split a library module at about 500 lines, a test module at about 600.
MAX_LIBRARY_LINES = 500
MAX_TEST_LINES = 600

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (tomli is a test dependency there)
    import tomli as tomllib


def _contracts() -> list[dict[str, object]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = data["tool"]["importlinter"]["contracts"]
    return contracts


def _domain_modules() -> set[str]:
    for contract in _contracts():
        if str(contract["name"]).startswith("Domain modules of the mock"):
            sources = contract["source_modules"]
            assert isinstance(sources, list)
            return {str(m).removeprefix("scim_mock.") for m in sources}
    raise AssertionError("pyproject.toml has no domain-layer contract")


def test_import_contracts_hold() -> None:
    """``lint-imports`` keeps every contract (the same command .ci/run runs)."""
    command = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(command)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_scim_mock_module_is_placed_in_a_layer() -> None:
    """New modules must be placed in a layer, in the contracts and in ARCHITECTURE.md."""
    domain = _domain_modules()
    present = {p.stem for p in (ROOT / "scim_mock").glob("*.py")}
    assert present - domain - HTTP - APP == set()
    assert domain <= present, f"contracts name missing modules: {sorted(domain - present)}"
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [m for m in sorted(domain | HTTP) if f"`{m}`" not in text]
    assert not missing, f"ARCHITECTURE.md does not mention {missing}"


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_library_modules_stay_small(package: str) -> None:
    """No module of the three packages is over 500 lines (split it along a real seam)."""
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files(package)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LIBRARY_LINES
    }
    assert long == {}


def test_test_modules_stay_small() -> None:
    """No test module is over about 600 lines (split it by family)."""
    long = {
        str(p.relative_to(ROOT)): n
        for p in _python_files("tests")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_TEST_LINES
    }
    assert long == {}


def test_nothing_is_swapped_on_an_instance() -> None:
    """Behaviour is changed through seams, never by assigning over methods."""
    pattern = re.compile(r"method-assign|setattr\(")
    found = [
        f"{p.relative_to(ROOT)}:{i}"
        for p in _python_files(*PACKAGES)
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


def test_the_mock_holds_no_named_defect() -> None:
    """No defect name of scim_defects appears anywhere in scim_mock's sources."""
    from scim_defects import DEFECTS

    text = "\n".join(p.read_text(encoding="utf-8") for p in _python_files("scim_mock"))
    assert [name for name in DEFECTS if f'"{name}"' in text] == []


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
