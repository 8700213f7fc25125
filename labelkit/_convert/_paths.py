"""Output paths built from server-supplied names that can never leave the output directory.

Task names come from the server (or from whoever created the task). The official
SDK joins them to the output directory as they are, so ``../x`` or ``/etc/x``
writes outside it; here such names are rejected with a ValidationError.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from .._errors import ValidationError

__all__ = ["safe_output_path"]

_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_output_path(
    output_dir: Path | str, name: str, *, suffix: str | None = None, field: str = "name"
) -> Path:
    """``output_dir / name`` (suffix replaced when given), guaranteed to stay inside ``output_dir``.

    ``name`` is a relative path with ``/`` (or ``\\``) separators. Absolute
    names, drive letters, ``..`` components and NUL characters are rejected.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(field, "an empty name cannot be used as a file path")
    if "\x00" in name:
        raise ValidationError(field, f"{name!r} contains a NUL character")
    unified = name.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(unified):
        raise ValidationError(field, f"{name!r} is an absolute path; only relative names allowed")
    parts = [part for part in unified.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise ValidationError(field, f"{name!r} would escape the output directory ('..')")
    if not parts:
        raise ValidationError(field, f"{name!r} does not name a file")
    relative = PurePosixPath(*parts)
    if suffix is not None:
        relative = (
            relative.with_suffix(suffix)
            if relative.suffix
            else relative.with_name(relative.name + suffix)
        )
    base = Path(output_dir)
    target = base.joinpath(*relative.parts)
    # Symlinks inside the output directory could still point elsewhere.
    resolved_base = base.resolve()
    if not target.resolve().is_relative_to(resolved_base):
        raise ValidationError(field, f"{name!r} resolves outside the output directory")
    return target
