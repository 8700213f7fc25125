"""Run ``mypy --strict`` over a snippet, as a user's type checker sees labelkit's call sites."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from . import REPO


def assert_mypy_strict_passes(snippet: str, tmp_path: Path) -> None:
    """``snippet`` type-checks under ``mypy --strict`` (unused ``type: ignore``\\ s fail too)."""
    path = tmp_path / "snippet.py"
    path.write_text(snippet)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / "cache"), str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "MYPYPATH": str(REPO)},
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
