"""The wheel ships schemas/ and fixtures/, and an installed package finds them.

Builds the wheel without build isolation (hatchling is a test dependency), unpacks it into a
temporary directory and imports the packages from there, far from the source checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once for this module."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (built,) = out.glob("scim_conformance-*.whl")
    return built


def test_wheel_contains_the_packages_and_the_data(wheel: Path) -> None:
    """schemas/ and fixtures/ are shipped as scim_tests/_data; entry points are declared."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "scim_mock/app.py",
        "scim_mock/py.typed",
        "scim_tests/plugin.py",
        "scim_defects/registry.py",
        "scim_defects/py.typed",
        "scim_tests/_data/schemas/scim/User.json",
        "scim_tests/_data/schemas/json/Error.schema.json",
    ):
        assert required in names, f"{required} missing from {wheel.name}"
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "scim-mock = scim_mock.__main__:main" in text
    assert "scim_tests = scim_tests.plugin" in text
    assert "[scim_mock.extensions]" in text and "scim_defects = scim_defects:catalog" in text


def test_installed_package_finds_its_data(wheel: Path, tmp_path: Path) -> None:
    """From an unpacked wheel (no checkout around), the registry loads the shipped schemas."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "from scim_tests.datadir import data_dir; from scim_mock.schema import SchemaRegistry; "
        "print(data_dir()); print(len(list(SchemaRegistry.load().schemas())))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SCIM_TESTS_DATA"}
    env["PYTHONPATH"] = str(site)
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    directory, count = out.stdout.split()
    assert Path(directory) == site / "scim_tests" / "_data"
    assert int(count) == 6


def test_data_dir_override_must_point_at_real_data(tmp_path: Path) -> None:
    """SCIM_TESTS_DATA pointing nowhere gives an actionable error, not a KeyError later."""
    code = "from scim_tests.datadir import data_dir; data_dir()"
    env = dict(os.environ, SCIM_TESTS_DATA=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "SCIM_TESTS_DATA" in out.stderr and "does not contain" in out.stderr


def test_main_job_from_an_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    """The README's main job with a real (non-editable) install, run from this checkout.

    A regular install lists the package's modules, so pytest tries to rewrite them and warns
    if the command imported them first; our checkout turns warnings into errors.
    """
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    install = subprocess.run(
        [str(env_dir / "bin" / "pip"), "install", "-q", str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-2000:]
    run = subprocess.run(
        [str(env_dir / "bin" / "scim-conformance"), "--mock", "-k", "delete"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Result: PASSED" in run.stdout
    assert "Catalog coverage" in run.stdout
    # The defects reach the installed mock through the entry point, as for a user.
    faulty = subprocess.run(
        [str(env_dir / "bin" / "scim-conformance"), "--mock", "-k", "error_bodies", "--",
         "--scim-mock-fault", "error-status-integer"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert faulty.returncode == 1, faulty.stdout[-3000:] + faulty.stderr[-3000:]
    assert "P-3.12-03" in faulty.stdout
