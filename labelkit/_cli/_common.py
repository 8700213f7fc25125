"""What every command shares: usage errors, credentials, error lines, file walking."""

from __future__ import annotations

import os
import sqlite3
import sys
import typing
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .._errors import LabelkitError, ValidationError
from .._files import check_local_file, human_size
from .._logging import SecretRedactor, redact_known

__all__ = [
    "UsageError",
    "check_file",
    "credential",
    "describe_error",
    "human_size",
    "read_lines",
    "run_command",
    "walk_files",
]

#: The credentials given to this process's commands; kept for the process's life,
#: so that every line and file the CLI writes is redacted even after the client is gone.
_CREDENTIALS = SecretRedactor()


class UsageError(Exception):
    """Bad usage or bad input for the whole command: one line, exit status 2."""


def credential(token: str | None, env: str, what: str) -> str:
    """``--token`` or the environment variable, else a usage error saying how to fix it."""
    value = token or os.environ.get(env)
    if not value:
        raise UsageError(f"no {what}: set {env} or pass --token")
    _CREDENTIALS.add(value)
    return value


def describe_error(exc: BaseException) -> str:
    """One line for an item's error, without any credential a client of this process knows."""
    if isinstance(exc, LabelkitError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact_known(" ".join(text.split()))[:500]


def walk_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root``, sorted, skipping hidden files and folders."""
    if not root.exists():
        raise UsageError(f"directory not found: {root}")
    if not root.is_dir():
        raise UsageError(f"not a directory: {root} (give the folder that holds the files)")
    for folder, dirs, files in os.walk(root, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder, name)


def check_file(
    path: Path,
    *,
    extensions: Sequence[str] | None,
    max_bytes: int | None,
    what: str,
) -> str | None:
    """Why ``path`` cannot be sent (``None`` if it can): the library's upload checks.

    Stricter than a library call only in refusing an empty or unreadable file
    up front; the reason names ``what`` (e.g. "FastLabel image tasks") whose limit it breaks.
    """
    try:
        check_local_file(
            path,
            field="file",
            extensions=extensions,
            max_bytes=max_bytes,
            readable=True,
            allow_empty=False,
        )
    except ValidationError as exc:
        if exc.limit is None:
            return exc.message
        return f"{exc.message}; {what} take {exc.limit}"
    return None


def run_command(command: str, body: Callable[[], int], out: typing.TextIO | None = None) -> int:
    """Run a command's body: usage errors give one line and status 2, never a traceback."""
    stream = sys.stderr if out is None else out

    def tell(line: str) -> None:
        stream.write(f"labelkit {command}: {redact_known(line)}\n")

    try:
        return body()
    except UsageError as exc:
        tell(str(exc))
        return 2
    except KeyboardInterrupt:
        tell("interrupted (a --journal run resumes where it stopped)")
        return 130
    except sqlite3.Error as exc:
        tell(f"journal error: {exc}")
        return 2
    except LabelkitError as exc:  # e.g. a client rejecting its configuration
        tell(describe_error(exc))
        return 2
    except OSError as exc:
        tell(str(exc))
        return 1
    except Exception as exc:
        if os.environ.get("LABELKIT_TRACEBACK"):
            raise
        tell(f"unexpected error: {describe_error(exc)} (set LABELKIT_TRACEBACK=1 to see where)")
        return 1


def read_lines(source: Path) -> list[str]:
    """The lines of a text file given on the command line, or a usage error."""
    try:
        return source.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise UsageError(f"file not found: {source}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {source}: {exc}") from None
