"""Query and form parameters as sent: one encoding for every request."""

from __future__ import annotations

import typing
from collections.abc import Mapping

__all__ = ["QueryValue", "encode_params"]

QueryValue = typing.Union[str, int, float, bool, None]


def encode_params(
    params: Mapping[str, object] | typing.Sequence[tuple[str, object]] | None,
) -> list[tuple[str, QueryValue]] | None:
    """Encode query (or form) parameters: ``None`` dropped, sequences as repeated
    keys, booleans as lowercase ``true``/``false``."""
    if params is None:
        return None
    items = params.items() if isinstance(params, Mapping) else params
    out: list[tuple[str, QueryValue]] = []
    for key, value in items:
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is None:
                continue
            out.append((key, _scalar(v)))
    return out


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
