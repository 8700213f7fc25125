"""Writes confined to a target folder: never through a symlink, never outside it.

The folder a caller names (the *root*) is resolved once, symlinks included:
it is the caller's choice (``/tmp`` itself is a symlink on macOS). Below it,
each folder is opened relative to its parent's descriptor with
``O_NOFOLLOW``, so a symlink planted in the tree (``out/annotations ->
/elsewhere``), or a folder swapped for one between a check and a write,
cannot redirect a write: it is refused with
:class:`~labelkit.UnsafePathError`, and nothing is created through it. A file
is written under a temporary name in its folder and renamed over the target
(both relative to the folder's descriptor): a reader never sees half a file,
and a hard link planted at the target is replaced, not written through.

Windows has no ``dir_fd``: there the same checks are made on paths (each
component is ``lstat``-ed before it is used), which narrows the race with a
concurrent attacker but cannot close it.

Every method blocks on disk I/O; async callers run them in a worker thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import typing
from collections.abc import Iterator
from pathlib import Path

import attrs

from ._errors import UnsafePathError

__all__ = ["ConfinedFolder", "PendingWrite", "relative_parts"]

Relative = typing.Union[str, "os.PathLike[str]"]

_DRIVE = re.compile(r"^[A-Za-z]:")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_DIR_FLAGS = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
_BINARY = getattr(os, "O_BINARY", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
# Opening a symlink with O_NOFOLLOW fails with ELOOP (EMLINK on FreeBSD);
# a non-folder opened with O_DIRECTORY with ENOTDIR.
_REFUSED_ERRNOS = frozenset({errno.ELOOP, errno.EMLINK, errno.ENOTDIR})
#: Whether folders can be walked by descriptor (every POSIX system; not Windows).
# (os.replace takes dir fds wherever os.rename does, but is not listed itself.)
USE_DIR_FD = (
    bool(_DIRECTORY and _NOFOLLOW)
    and {
        os.open,
        os.mkdir,
        os.stat,
        os.unlink,
        os.rename,
    }
    <= os.supports_dir_fd
)


def relative_parts(relative: Relative, *, shown: str | None = None) -> tuple[str, ...]:
    """The components of ``relative``, or :class:`UnsafePathError` if it could leave its folder.

    ``/`` and ``\\`` both separate; ``.`` and empty components are dropped.
    Absolute paths, drive letters, ``..`` and NUL characters are refused.
    """
    text = os.fspath(relative)
    where = shown if shown is not None else text
    if "\x00" in text:
        raise UnsafePathError(where, "the name contains a NUL character")
    unified = text.replace("\\", "/")
    if unified.startswith("/") or _DRIVE.match(unified):
        raise UnsafePathError(where, "an absolute path; only names relative to the folder")
    parts = tuple(part for part in unified.split("/") if part not in ("", "."))
    if ".." in parts:
        raise UnsafePathError(where, "'..' would leave the target folder")
    if not parts:
        raise UnsafePathError(where, "the name does not name a file")
    return parts


class ConfinedFolder:
    """A target folder; every path written through it stays inside it.

    ``root`` may be (or contain) a symlink: it is resolved once, here and by
    :meth:`create`. Paths given to the methods are relative to it and may not
    pass through any symlink below it.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self._real = os.path.realpath(self.root)

    def path(self, relative: Relative) -> Path:
        """``root / relative`` as the caller named it (for messages and return values)."""
        return self.root.joinpath(*self._parts(relative))

    def create(self) -> None:
        """Create the root folder (and its parents) if needed; writing does it anyway."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._real = os.path.realpath(self.root)

    # -- checks and folders --------------------------------------------------------------

    def check(self, relative: Relative) -> None:
        """Refuse ``relative`` now if writing it would follow a symlink; creates nothing.

        Folders that do not exist yet are fine: they will be created as real
        folders. Used to refuse a whole batch before its first write.
        """
        parts = self._parts(relative)
        if not os.path.isdir(self._real):
            if os.path.lexists(self._real):
                raise UnsafePathError(str(self.root), "not a folder")
            return
        with self._parent(parts, create=False) as parent:
            if parent is not None:
                parent.check_leaf(parts[-1])

    def makedirs(self, relative: Relative) -> None:
        """Create the folder ``relative`` (and those above it) below the root."""
        parts = self._parts(relative)
        with self._parent((*parts, ""), create=True):
            pass

    # -- writing ---------------------------------------------------------------------------

    def begin_write(self, relative: Relative) -> PendingWrite:
        """Start writing ``relative``: its folders are created, a temporary file opened.

        The caller writes to ``.file`` and then calls :meth:`PendingWrite.commit`
        (which renames it over the target) or :meth:`PendingWrite.discard`.
        """
        parts = self._parts(relative)
        with self._parent(parts, create=True) as parent:
            assert parent is not None
            parent.check_leaf(parts[-1])
            return parent.start_file(parts[-1])

    @contextlib.contextmanager
    def open(self, relative: Relative) -> Iterator[typing.BinaryIO]:
        """A binary file to write ``relative`` to; it replaces the target on a clean exit only."""
        pending = self.begin_write(relative)
        try:
            yield pending.file
        except BaseException:
            pending.discard()
            raise
        pending.commit()

    def write_bytes(self, relative: Relative, data: bytes) -> Path:
        """Write ``data`` to ``relative``; returns ``root / relative``."""
        with self.open(relative) as handle:
            handle.write(data)
        return self.path(relative)

    def write_text(self, relative: Relative, text: str) -> Path:
        """Write ``text`` (UTF-8) to ``relative``; returns ``root / relative``."""
        return self.write_bytes(relative, text.encode("utf-8"))

    # -- internals -------------------------------------------------------------------------

    def _parts(self, relative: Relative) -> tuple[str, ...]:
        return relative_parts(relative, shown=os.path.join(self.root, os.fspath(relative)))

    @contextlib.contextmanager
    def _parent(self, parts: tuple[str, ...], *, create: bool) -> Iterator[_Dir | None]:
        # The folder holding parts[-1], or None when (not creating) it does not exist yet.
        if create and not os.path.isdir(self._real):
            self.create()
        folder: _Dir | None = _Dir.open_root(self._real, str(self.root))
        try:
            for depth, name in enumerate(parts[:-1]):
                assert folder is not None
                shown = str(self.root.joinpath(*parts[: depth + 1]))
                child = folder.child(name, shown, create=create)
                folder.close()
                folder = child
                if folder is None:
                    break
            yield folder
        finally:
            if folder is not None:
                folder.close()


class _Dir:
    """One open folder: a descriptor (POSIX) or, on Windows, just its checked path."""

    def __init__(self, fd: int | None, path: str, shown: str) -> None:
        self.fd = fd
        self.path = path
        self.shown = shown

    @classmethod
    def open_root(cls, real: str, shown: str) -> _Dir:
        if not USE_DIR_FD:
            return cls(None, real, shown)
        try:
            return cls(os.open(real, os.O_RDONLY | _DIRECTORY | _CLOEXEC), real, shown)
        except NotADirectoryError:
            raise UnsafePathError(shown, "not a folder") from None

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def _lstat(self, name: str) -> os.stat_result | None:
        try:
            if self.fd is not None:
                return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
            return os.lstat(os.path.join(self.path, name))
        except FileNotFoundError:
            return None

    def _refuse(self, name: str, shown: str) -> typing.NoReturn:
        info = self._lstat(name)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise UnsafePathError(
                shown, "it is a symbolic link below the target folder; labelkit never follows one"
            )
        raise UnsafePathError(shown, "it exists and is not a folder")

    def child(self, name: str, shown: str, *, create: bool) -> _Dir | None:
        """The sub-folder ``name``, created if missing and ``create``; refused if a symlink."""
        path = os.path.join(self.path, name)
        for attempt in (0, 1):
            info = self._lstat(name)
            if info is None:
                if not create:
                    return None
                with contextlib.suppress(FileExistsError):  # made meanwhile: checked next
                    if self.fd is not None:
                        os.mkdir(name, 0o777, dir_fd=self.fd)
                    else:
                        os.mkdir(path)
                continue
            if not stat.S_ISDIR(info.st_mode):
                self._refuse(name, shown)
            if self.fd is None:
                return _Dir(None, path, shown)
            try:
                return _Dir(os.open(name, _DIR_FLAGS, dir_fd=self.fd), path, shown)
            except FileNotFoundError:
                if attempt:
                    raise
            except OSError as exc:
                if exc.errno in _REFUSED_ERRNOS:
                    self._refuse(name, shown)
                raise
        raise FileNotFoundError(errno.ENOENT, "folder vanished while being created", path)

    def check_leaf(self, name: str) -> None:
        info = self._lstat(name)
        shown = os.path.join(self.shown, name)
        if info is None:
            return
        if stat.S_ISLNK(info.st_mode):
            raise UnsafePathError(
                shown, "it is a symbolic link below the target folder; labelkit never follows one"
            )
        if stat.S_ISDIR(info.st_mode):
            raise UnsafePathError(shown, "a folder is in the way")

    def start_file(self, name: str) -> PendingWrite:
        temp = f".{name}.{secrets.token_hex(4)}.part"
        folder = _Dir(None if self.fd is None else os.dup(self.fd), self.path, self.shown)
        try:
            if folder.fd is not None:
                fd = os.open(temp, _FILE_FLAGS, 0o666, dir_fd=folder.fd)
            else:
                fd = os.open(os.path.join(folder.path, temp), _FILE_FLAGS, 0o666)
            try:
                file = os.fdopen(fd, "wb")
            except BaseException:
                os.close(fd)
                folder.unlink(temp)
                raise
        except BaseException:
            folder.close()
            raise
        return PendingWrite(folder, name, temp, file)

    def unlink(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.fd is not None:
                os.unlink(name, dir_fd=self.fd)
            else:
                os.unlink(os.path.join(self.path, name))


@attrs.define(eq=False, repr=False)
class PendingWrite:
    """A file being written under a temporary name; :meth:`commit` puts it in place."""

    _folder: _Dir
    _name: str
    _temp: str
    file: typing.BinaryIO
    _finished: bool = attrs.field(default=False, init=False)

    def commit(self) -> None:
        """Close the file and rename it over the target (refused if that became a symlink)."""
        if self._finished:
            return
        try:
            self.file.close()
            self._folder.check_leaf(self._name)
            if self._folder.fd is not None:
                fd = self._folder.fd
                os.replace(self._temp, self._name, src_dir_fd=fd, dst_dir_fd=fd)
            else:
                base = self._folder.path
                os.replace(os.path.join(base, self._temp), os.path.join(base, self._name))
        except BaseException:
            self.discard()
            raise
        self._finished = True
        self._folder.close()

    def discard(self) -> None:
        """Close and delete the temporary file; the target is left as it was."""
        if self._finished:
            return
        self._finished = True
        try:
            with contextlib.suppress(OSError):  # a failed flush: the file goes anyway
                self.file.close()
            self._folder.unlink(self._temp)
        finally:
            self._folder.close()
