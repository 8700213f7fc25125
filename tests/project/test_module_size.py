"""No hand-written module of the package is over 500 lines (the CLI modules aside)."""

from __future__ import annotations

from pathlib import Path

import labelkit

PACKAGE = Path(labelkit.__file__).parent
LIMIT = 500


def _hand_written() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        # The sync twins are generated; the CLI modules are out of scope.
        if not (path.name == "_sync.py" and path.parent.parent.name == "_providers")
        and not (path.parent == PACKAGE and (path.stem == "_cli" or path.stem.startswith("_cli_")))
    ]


def test_no_hand_written_module_is_over_the_limit() -> None:
    paths = _hand_written()
    assert PACKAGE / "_client.py" in paths and PACKAGE / "_sync" / "_writer.py" in paths
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in paths
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert long == {}
