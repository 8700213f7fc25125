"""Every script in examples/ runs to completion against the emulators (the README promises it)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from tests._support import REPO

EXAMPLES = sorted((REPO / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: pathlib.Path) -> None:
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-2000:]
