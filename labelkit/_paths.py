"""Caller-supplied ids and names as single URL path segments.

Every provider that puts an id into a request path goes through :func:`segment`,
so that no id can name a different resource than the one the method addresses.
"""

from __future__ import annotations

from urllib.parse import quote

from ._errors import ValidationError

__all__ = ["segment"]

_DOT_SEGMENTS = frozenset({".", ".."})


def segment(value: object, *, field: str) -> str:
    """``value`` as exactly one percent-encoded path segment, or :class:`ValidationError`.

    Everything outside the RFC 3986 unreserved set (letters, digits, ``-._~``) is
    percent-encoded, including ``/``, ``?``, ``#`` and ``%`` itself: ``"a/b"`` is sent
    as ``a%2Fb`` and ``"%2e%2e"`` as ``%252e%252e``, so a percent sign in an id stays
    a literal character after the server decodes the path once. Dots inside an id
    (``"photo.jpg"``) pass unchanged.

    Refused before anything is sent: a value that is not a string, an empty or
    whitespace-only string, and the dot segments ``"."`` and ``".."``. Encoding the
    dots (``%2E%2E``) would not be enough: RFC 3986 lets a server or proxy decode
    percent-encoded unreserved characters before it removes dot segments, and then
    ``/task/%2E%2E`` addresses the API root.
    """
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise ValidationError(field, f"must be a non-empty string, got {value!r}")
    if value in _DOT_SEGMENTS:
        raise ValidationError(
            field, f"{value!r} is a dot segment and would address another resource"
        )
    try:
        return quote(value, safe="")
    except UnicodeEncodeError as exc:
        raise ValidationError(field, f"{value!r} is not valid Unicode text") from exc
