"""Output paths built from server-supplied names that can never leave the output directory.

Task names come from the server (or from whoever created the task). The official
SDK joins them to the output directory as they are, so ``../x`` or ``/etc/x``
writes outside it; here such names are rejected with a ValidationError. The
files themselves are written through :class:`~labelkit._confined.ConfinedFolder`,
so a symlink inside the output directory (``out/annotations -> /elsewhere``)
cannot redirect a write either: every output path of an export is checked
before the first file is written, and nothing is created on a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .._confined import ConfinedFolder
from .._errors import ValidationError

__all__ = ["checked_output_folder", "output_relative", "safe_output_path"]

_DRIVE = re.compile(r"^[A-Za-z]:")


def output_relative(name: str, *, suffix: str | None = None, field: str = "name") -> PurePosixPath:
    """``name`` as a relative path (suffix replaced when given) that cannot leave its folder.

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
    return relative


def checked_output_folder(
    output_dir: Path | str, relatives: Iterable[PurePosixPath]
) -> ConfinedFolder:
    """``output_dir`` to write ``relatives`` into, once none of them would follow a symlink.

    Raises :class:`~labelkit.UnsafePathError` before anything is created.
    """
    folder = ConfinedFolder(output_dir)
    for relative in relatives:
        folder.check(relative)
    return folder


def safe_output_path(
    output_dir: Path | str, name: str, *, suffix: str | None = None, field: str = "name"
) -> Path:
    """``output_dir / name`` (suffix replaced when given), guaranteed to stay inside ``output_dir``.

    ``name`` is a relative path with ``/`` (or ``\\``) separators. Absolute
    names, drive letters, ``..`` components and NUL characters are rejected,
    and so is a path through a symbolic link inside ``output_dir``
    (:class:`~labelkit.UnsafePathError`), whether it points outside or not.
    """
    relative = output_relative(name, suffix=suffix, field=field)
    return checked_output_folder(output_dir, [relative]).path(relative)
