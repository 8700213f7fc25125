"""The documentation site's reference covers the whole public API.

The site is built with ``mkdocs build --strict`` (by ``nox -s docs``, which sets
``LABELKIT_DOCS_SITE`` to the built site; otherwise this module builds it once
into a temporary folder). Its ``objects.inv`` lists every object mkdocstrings
rendered; every public module, every name in its ``__all__`` and every public
member of those classes (methods, properties, enum members, model fields) must
be there, so a method added without appearing in the reference fails here.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

import labelkit
from tests._support import REPO

ROOT = REPO


def parse_inventory(data: bytes) -> dict[str, str]:
    """``{name: role}`` from a Sphinx v2 ``objects.inv`` (four text lines, then zlib)."""
    lines = data.split(b"\n", 4)
    if len(lines) < 5 or lines[0] != b"# Sphinx inventory version 2" or b"zlib" not in lines[3]:
        raise ValueError(f"not a Sphinx v2 inventory: {lines[0]!r}")
    entries: dict[str, str] = {}
    for line in zlib.decompress(lines[4]).decode("utf-8").splitlines():
        name, role, _priority, _location = line.split(" ", 4)[:4]
        entries[name] = role
    return entries


def public_modules() -> list[str]:
    """``labelkit`` and every public submodule (``labelkit.<name>`` without a leading _)."""
    names = ["labelkit"]
    for info in pkgutil.iter_modules(labelkit.__path__):
        if not info.name.startswith("_"):
            names.append(f"labelkit.{info.name}")
    return names


def _own_members(cls: type) -> set[str]:
    """Public members a class defines or inherits from labelkit classes."""
    members: set[str] = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("labelkit"):
            continue
        # Annotated class attributes too (``choice: AsyncChoices``, set per instance).
        for name in [*vars(base), *vars(base).get("__annotations__", {})]:
            if not name.startswith("_"):
                members.add(name)
    for name in getattr(cls, "__attrs_attrs__", ()):
        if not name.name.startswith("_"):
            members.add(name.name)
    return members


def expected_entries() -> dict[str, set[str]]:
    """``{public path: {alternative documented paths}}`` for the whole public API."""
    expected: dict[str, set[str]] = {}
    for module_name in public_modules():
        module = importlib.import_module(module_name)
        expected[module_name] = {module_name}
        for name in module.__all__:
            if name.startswith("__"):
                continue
            value = getattr(module, name)
            path = f"{module_name}.{name}"
            expected[path] = {path}
            if inspect.isclass(value):
                for member in _own_members(value):
                    expected[f"{path}.{member}"] = {f"{path}.{member}"}
    return expected


def _build(site: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site_env = os.environ.get("LABELKIT_DOCS_SITE")
    if site_env:
        return (ROOT / site_env).resolve()
    pytest.importorskip("mkdocstrings_handlers.python", reason="needs the docs group")
    built = tmp_path_factory.mktemp("site")
    _build(built)
    return built


@pytest.fixture(scope="module")
def inventory(site: Path) -> dict[str, str]:
    return parse_inventory((site / "objects.inv").read_bytes())


def test_parse_inventory_reads_sphinx_v2() -> None:
    body = b"labelkit py:module 1 reference/labelkit/#$ -\nlabelkit.Page py:class 1 r/#$ -\n"
    data = (
        b"# Sphinx inventory version 2\n# Project: labelkit\n# Version: 0.0.0\n"
        b"# The remainder of this file is compressed using zlib.\n" + zlib.compress(body)
    )
    assert parse_inventory(data) == {"labelkit": "py:module", "labelkit.Page": "py:class"}
    with pytest.raises(ValueError):
        parse_inventory(b"# Sphinx inventory version 1\n\n\n\n")


def test_expected_entries_cover_clients_methods_and_models() -> None:
    expected = expected_entries()
    for path in [
        "labelkit.fastlabel.AsyncFastLabel.create_image_task",
        "labelkit.fastlabel.FastLabel.create_image_task",
        "labelkit.scale.AsyncScale.create_task",
        "labelkit.cloudsight.ImageJob.token",
        "labelkit.datawow.AsyncDatawow.choice",
        "labelkit.redflag.OperationStatus.DONE",
        "labelkit.emulators.EmulatorServer",
        "labelkit.ratelimit.RedisStore",
        "labelkit.convert.export_coco",
    ]:
        assert path in expected, path


def test_every_public_object_is_in_the_reference(inventory: dict[str, str]) -> None:
    missing = sorted(
        path
        for path, alternatives in expected_entries().items()
        if not alternatives & inventory.keys()
    )
    assert not missing, f"{len(missing)} public objects not in the docs reference: {missing[:40]}"


def test_reference_entries_point_at_public_paths(inventory: dict[str, str]) -> None:
    # The reference documents objects under the path users import them from.
    public = [name for name in inventory if name.startswith("labelkit") and "._" not in name]
    assert len(public) > 1000


def test_methods_are_documented_as_functions(inventory: dict[str, str]) -> None:
    # Declared methods (one line in a class body, a function once the class exists) and
    # methods taking a keyword block (``**wait: Unpack[WaitOptions]``) must render with
    # the signature and docstring Python shows (docs/_ext/griffe_runtime.py), not as
    # class attributes or an opaque ``**wait``.
    wrong = sorted(
        path
        for path in expected_entries()
        if path.count(".") >= 2
        and inspect.isfunction(_resolve(path))
        and inventory.get(path, "py:function") not in {"py:function", "py:method"}
    )
    assert not wrong, f"{len(wrong)} methods documented as something else: {wrong[:20]}"


def _resolve(path: str) -> object:
    module_name, _, rest = path.rpartition(".")
    while module_name not in sys.modules and "." in module_name:
        module_name, _, head = module_name.rpartition(".")
        rest = f"{head}.{rest}"
    target: object = sys.modules.get(module_name)
    for name in rest.split("."):
        # Static: a resource attribute (``client.choice``) is a descriptor, not a method.
        target = inspect.getattr_static(target, name, None)
    return target


def test_keyword_blocks_are_listed_one_keyword_at_a_time(site: Path) -> None:
    # ``**wait: Unpack[WaitOptions]`` reads as ``timeout=..., poll=...``, as in help().
    pages = sorted((site / "reference").rglob("*.html")) + sorted(
        (site / "providers").rglob("*.html")
    )
    assert pages
    opaque = [page.relative_to(site) for page in pages if "Unpack" in page.read_text("utf-8")]
    assert not opaque, f"keyword blocks shown unexpanded on {opaque}"
