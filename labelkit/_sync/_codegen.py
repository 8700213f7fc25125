"""Generate the typed sync classes from the async ones.

Run ``python -m labelkit._sync._codegen`` after changing an async client to
rewrite every module listed in :data:`TARGETS`; ``--check`` writes nothing,
prints a diff and exits 1 if a checked-in module is stale (for CI).

For each public method of the async class, and of its bases defined in
labelkit or in the source module's own package, the sync class gets a real,
typed method with the same parameters and docstring whose body calls into
:mod:`labelkit._sync._portal`:

* ``async def m(...) -> R`` becomes ``def m(...) -> R`` running ``call()``;
  a plain ``def m(...) -> R`` runs on the loop thread through ``run_sync()``.
* async generators, and methods returning a type listed in
  :data:`ITERATOR_RETURNS`, become ``def m(...) -> Iterator[...]`` through
  ``iterate_call()`` (a bulk run becomes an iterator of its outcomes).
* ``def m(...) -> Awaitable[R]`` (or ``Coroutine[..., ..., R]``) becomes ``-> R``.
* a method returning the async class (or ``Self``), or another client of
  :data:`TARGETS`, returns the sync client around the result.
* properties and annotated attributes are forwarded read-only; an attribute
  whose type is a resource of :data:`TARGETS` (an async class without
  ``aclose``, such as ``client.images``) becomes its sync resource.
* type parameters of generic bases are replaced by the subclass's arguments.
* ``aclose``, ``__aenter__``, private names and class variables are skipped
  (:class:`~labelkit._sync._base.SyncClient` provides ``close()`` and ``with``).

Targets with the same ``output_module`` are written to one module. The output
is emitted already formatted (ruff format, isort order), so ``--check`` does
not depend on which ruff is installed.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple, TextIO

from ._source import CodegenError
from ._writer import IteratorReturn, ModuleWriter, Twin

__all__ = [
    "ITERATOR_RETURNS",
    "TARGETS",
    "CodegenError",
    "IteratorReturn",
    "Target",
    "check",
    "generate",
    "main",
    "output_path",
    "render",
    "write",
]


class Target(NamedTuple):
    """One generated sync class."""

    source_module: str
    async_class: str
    sync_class: str
    output_module: str


#: Every sync class of labelkit. Add a provider here, then run the generator.
TARGETS: list[Target] = [
    Target(
        "labelkit._providers.redflag._client",
        "AsyncRedFlag",
        "RedFlag",
        "labelkit._providers.redflag._sync",
    ),
    Target(
        "labelkit._providers.cloudsight._client",
        "AsyncCloudSight",
        "CloudSight",
        "labelkit._providers.cloudsight._sync",
    ),
    Target(
        "labelkit._providers.datawow._client",
        "AsyncDatawow",
        "Datawow",
        "labelkit._providers.datawow._sync",
    ),
    Target(
        "labelkit._providers.datawow._resources",
        "AsyncChoices",
        "Choices",
        "labelkit._providers.datawow._sync",
    ),
    Target(
        "labelkit._providers.datawow._resources",
        "AsyncClosedQuestions",
        "ClosedQuestions",
        "labelkit._providers.datawow._sync",
    ),
    Target(
        "labelkit._providers.datawow._resources",
        "AsyncMessages",
        "Messages",
        "labelkit._providers.datawow._sync",
    ),
    Target(
        "labelkit._providers.datawow._resources",
        "AsyncPhotoTags",
        "PhotoTags",
        "labelkit._providers.datawow._sync",
    ),
    Target(
        "labelkit._providers.datawow._resources",
        "AsyncPredictions",
        "Predictions",
        "labelkit._providers.datawow._sync",
    ),
    Target(
        "labelkit._providers.scale._client",
        "AsyncScale",
        "Scale",
        "labelkit._providers.scale._sync",
    ),
    Target(
        "labelkit._providers.scale._v2",
        "AsyncScaleV2",
        "ScaleV2",
        "labelkit._providers.scale._sync",
    ),
    Target(
        "labelkit._providers.fastlabel._client",
        "AsyncFastLabel",
        "FastLabel",
        "labelkit._providers.fastlabel._sync",
    ),
]

#: Return types bridged to a sync ``Iterator``, by unqualified name.
ITERATOR_RETURNS: dict[str, IteratorReturn] = {
    "AsyncIterator": IteratorReturn("Iterator[{0}]"),
    "AsyncIterable": IteratorReturn("Iterator[{0}]"),
    "AsyncGenerator": IteratorReturn("Iterator[{0}]"),
    "BulkRun": IteratorReturn("Iterator[Outcome[{args}]]", (("labelkit._bulk", "Outcome"),)),
}


def _twins(targets: Sequence[Target]) -> dict[str, Twin]:
    return {t.async_class: Twin(t.source_module, t.sync_class, t.output_module) for t in targets}


def generate(
    source_module: str,
    async_class: str,
    sync_class: str,
    *,
    output_module: str | None = None,
    targets: Sequence[Target] = (),
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> str:
    """The source of a module holding only the sync twin of ``source_module.async_class``.

    ``targets`` lists the other generated classes: a method returning one of
    their async classes returns its sync twin instead.
    """
    twins = {**_twins(targets), async_class: Twin(source_module, sync_class, output_module)}
    returns = ITERATOR_RETURNS if iterator_returns is None else iterator_returns
    writer = ModuleWriter(output_module, twins, returns)
    writer.add_class(source_module, async_class, sync_class)
    return writer.module()


def render(
    target: Target,
    *,
    targets: Sequence[Target] = TARGETS,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> str:
    """The source of ``target``'s output module: every target written there, in order."""
    group = [t for t in targets if t.output_module == target.output_module] or [target]
    twins = {**_twins(targets), **_twins([target])}
    returns = ITERATOR_RETURNS if iterator_returns is None else iterator_returns
    writer = ModuleWriter(target.output_module, twins, returns)
    for t in group:
        writer.add_class(t.source_module, t.async_class, t.sync_class)
    return writer.module()


def output_path(target: Target, root: Path | None = None) -> Path:
    """Where ``target``'s module lives: under ``root``, or in its package."""
    parts = target.output_module.split(".")
    if root is not None:
        return root.joinpath(*parts[:-1], parts[-1] + ".py")
    spec = importlib.util.find_spec(".".join(parts[:-1]))
    if spec is None or not spec.submodule_search_locations:
        raise CodegenError(f"cannot locate the package of {target.output_module}")
    return Path(next(iter(spec.submodule_search_locations)), parts[-1] + ".py")


def _modules(
    targets: Sequence[Target], root: Path | None, returns: Mapping[str, IteratorReturn] | None
) -> list[tuple[Path, str]]:
    firsts = {t.output_module: t for t in reversed(targets)}
    return [
        (output_path(t, root), render(t, targets=targets, iterator_returns=returns))
        for t in targets
        if firsts[t.output_module] is t
    ]


def write(
    targets: Sequence[Target] = TARGETS,
    *,
    root: Path | None = None,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> list[Path]:
    """Regenerate every module; returns the files that changed."""
    changed = []
    for path, text in _modules(targets, root, iterator_returns):
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def check(
    targets: Sequence[Target] = TARGETS,
    *,
    root: Path | None = None,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
    out: TextIO | None = None,
) -> bool:
    """Whether every module is up to date; prints a unified diff of each one that is not."""
    out = sys.stdout if out is None else out
    fresh = True
    for path, text in _modules(targets, root, iterator_returns):
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old != text:
            fresh = False
            before, after = old.splitlines(keepends=True), text.splitlines(keepends=True)
            out.writelines(
                difflib.unified_diff(before, after, f"{path} (on disk)", f"{path} (new)")
            )
    return fresh


def main(
    argv: Sequence[str] | None = None,
    *,
    targets: Sequence[Target] = TARGETS,
    root: Path | None = None,
    iterator_returns: Mapping[str, IteratorReturn] | None = None,
) -> int:
    """Command line: write the sync modules, or ``--check`` them (exit status 1 if stale)."""
    parser = argparse.ArgumentParser(
        prog="python -m labelkit._sync._codegen", description="Generate the sync classes."
    )
    parser.add_argument("--check", action="store_true", help="only compare with the files")
    options = parser.parse_args(argv)
    try:
        if options.check:
            if check(targets, root=root, iterator_returns=iterator_returns):
                return 0
            print("sync modules are stale: run python -m labelkit._sync._codegen", file=sys.stderr)
            return 1
        for path in write(targets, root=root, iterator_returns=iterator_returns):
            print(f"wrote {path}")
    except CodegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
