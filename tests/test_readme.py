"""README examples run, and the README's set-up lines are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.mark.parametrize("code", _blocks("python"), ids=lambda c: c.splitlines()[0][:40])
def test_readme_python_blocks_run(code: str) -> None:
    """Every ```python block of the README executes without error."""
    exec(compile(code, "README.md", "exec"), {})


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs exactly the README's second set-up line."""
    shell = [b.strip() for b in _blocks("sh")]
    assert len(shell) >= 2, "the README must give the two set-up command lines"
    test_command = shell[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines(), f".ci/run does not run {test_command!r}"
