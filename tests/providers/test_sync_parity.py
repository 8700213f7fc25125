"""Every public async method of every provider client has a sync twin with the same signature."""

from __future__ import annotations

import importlib

import pytest

from labelkit._sync._codegen import TARGETS
from tests._support._parity import assert_sync_parity


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.sync_class)
def test_generated_sync_client_matches_its_async_twin(target: object) -> None:
    source = importlib.import_module(target.source_module)  # type: ignore[attr-defined]
    output = importlib.import_module(target.output_module)  # type: ignore[attr-defined]
    assert_sync_parity(
        getattr(source, target.async_class),  # type: ignore[attr-defined]
        getattr(output, target.sync_class),  # type: ignore[attr-defined]
    )
