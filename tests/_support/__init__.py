"""Helpers shared by the test folders (fake HTTP services, the sync parity check) and ``REPO``."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository root (the folder holding ``labelkit/``, ``tests/`` and ``docs/``)."""
