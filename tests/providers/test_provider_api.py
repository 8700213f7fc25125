"""Providers stand on the documented provider API of the core and on nothing else.

The API is documented in :mod:`labelkit._client` (the core modules, in the
module docstring) and :class:`~labelkit._client.AsyncAPIClient` (its
underscore members, in the class docstring). These tests parse every
hand-written provider module (the generated ``_sync.py`` twins are the
codegen's) and check its imports of the core and the core privates it touches.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import labelkit
from labelkit import _client
from labelkit._client import AsyncAPIClient

PROVIDERS = Path(labelkit.__file__).parent / "_providers"

CORE_MODULES = frozenset(
    {
        "_bulk",
        "_client",
        "_config",
        "_confined",
        "_emulator",
        "_errors",
        "_files",
        "_http",
        "_journal",
        "_models",
        "_pagination",
        "_paths",
        "_poll",
        "_ratelimit",
        "_signatures",
        "_types",
        "_validate",
        "_webhooks",
    }
)
PROVIDER_MEMBERS = frozenset(
    {
        "_absolute_url",
        "_add_secrets",
        "_bind_resources",
        "_check_envelope",
        "_error_details",
        "_poll",
        "_prepare_attempt",
        "_read_json",
        "_redact",
        "_request",
        "_request_json",
        "_status_error",
        "_stream",
        "_wait_job",
        "_wait_jobs",
    }
)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def core_privates() -> frozenset[str]:
    """Every underscore name AsyncAPIClient and its bases define, instance attributes too."""
    names: set[str] = set()
    for cls in AsyncAPIClient.__mro__[:-1]:
        names.update(vars(cls))
        for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(cls)))):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                names.add(node.attr)
    return frozenset(name for name in names if _is_private(name))


def provider_modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PROVIDERS.rglob("*.py")):
        if path.name == "_sync.py":
            continue
        parts = path.relative_to(PROVIDERS.parent.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found.append((".".join(parts), path))
    return found


def _defines(cls: ast.ClassDef, name: str) -> bool:
    """Whether the class body defines ``name`` itself (a method, or an attribute of ``self``)."""
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return True
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and node.attr == name
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            return True
    return False


def _is_client(module: object, cls: ast.ClassDef) -> bool:
    found = getattr(module, cls.name, None)
    return isinstance(found, type) and issubclass(found, AsyncAPIClient)


def _inherits(module: object, cls: ast.ClassDef, name: str) -> bool:
    """Whether a provider base of the class (not the core) defines ``name``."""
    found = getattr(module, cls.name, None)
    return isinstance(found, type) and any(
        name in vars(base)
        for base in found.__mro__
        if base.__module__.startswith("labelkit._providers.")
    )


def import_violations(source: str, module_name: str, is_package: bool) -> Iterator[str]:
    """Imports of the core other than public names of the documented core modules."""
    package = module_name if is_package else module_name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        imported: list[tuple[str, str | None]] = []
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            resolved = importlib.util.resolve_name(base, package) if node.level else base
            imported = [(resolved, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            imported = [(alias.name, None) for alias in node.names]
        for resolved, name in imported:
            if resolved == "labelkit" and name is not None:  # from labelkit import _x
                resolved, name = f"labelkit.{name}", None
            parts = resolved.split(".")
            if parts[0] != "labelkit" or len(parts) < 2 or parts[1] == "_providers":
                continue
            if not _is_private(parts[1]):
                continue  # the public API
            where = f"{module_name}:{node.lineno}"
            if len(parts) != 2 or parts[1] not in CORE_MODULES:
                yield f"{where}: imports {resolved}, not a documented core module"
            elif name is not None and _is_private(name):
                yield f"{where}: imports the private {resolved}.{name}"


def member_violations(source: str, module: object, module_name: str) -> Iterator[str]:
    """Core privates a provider touches or overrides that are not the provider API."""
    forbidden = core_privates() - PROVIDER_MEMBERS

    def visit(node: ast.AST, cls: ast.ClassDef | None) -> Iterator[str]:
        if isinstance(node, ast.ClassDef):
            cls = node
        where = f"{module_name}:{getattr(node, 'lineno', '?')}"
        own = cls is not None and not _is_client(module, cls)
        if isinstance(node, ast.Attribute) and node.attr in forbidden:
            if not (
                own
                and cls is not None
                and (_defines(cls, node.attr) or _inherits(module, cls, node.attr))
            ):
                yield f"{where}: uses the core's {ast.unparse(node)}"
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name in forbidden
            and cls is not None
            and not own
        ):
            yield f"{where}: overrides the core's {node.name}"
        for child in ast.iter_child_nodes(node):
            yield from visit(child, cls)

    yield from visit(ast.parse(source), None)


MODULES = provider_modules()


def test_the_provider_modules_are_found() -> None:
    names = {name for name, _ in MODULES}
    assert "labelkit._providers.scale._base" in names
    assert "labelkit._providers.fastlabel._download" in names
    assert not any(name.endswith("._sync") for name in names)


def test_core_privates_cover_the_bases_and_instance_attributes() -> None:
    privates = core_privates()
    # _send is on the retrying base, _make_status_error on the error base,
    # _session and _limiter are set in __init__.
    assert {"_send", "_make_status_error", "_session", "_limiter"} <= privates
    assert PROVIDER_MEMBERS <= privates, "a documented member the core no longer has"


def test_the_documented_lists_are_the_checked_ones() -> None:
    class_doc = AsyncAPIClient.__doc__ or ""
    for name in PROVIDER_MEMBERS:
        assert f"`{name}`" in class_doc, name
    module_doc = _client.__doc__ or ""
    for module in CORE_MODULES:
        assert f"``{module}``" in module_doc, module


@pytest.mark.parametrize(("module_name", "path"), MODULES, ids=[n for n, _ in MODULES])
def test_provider_imports_only_public_names_of_documented_core_modules(
    module_name: str, path: Path
) -> None:
    source = path.read_text(encoding="utf-8")
    assert list(import_violations(source, module_name, path.name == "__init__.py")) == []


@pytest.mark.parametrize(("module_name", "path"), MODULES, ids=[n for n, _ in MODULES])
def test_provider_uses_only_documented_core_privates(module_name: str, path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    module = importlib.import_module(module_name)
    assert list(member_violations(source, module, module_name)) == []


def test_the_checks_catch_violations() -> None:
    name = "labelkit._providers.scale._x"
    source = textwrap.dedent(
        """
        from ..._retrying import RetryingClient
        from ..._http import _helper
        from ..._emulator._messages import Scope
        from labelkit._logging import emit
        from ... import _pipeline
        from ..._errors import APIError
        from ._models import _private_of_the_provider
        """
    )
    found = list(import_violations(source, name, False))
    assert len(found) == 5, found
    assert "labelkit._retrying" in found[0] and "labelkit._http._helper" in found[1]

    client_source = textwrap.dedent(
        """
        class Client(AsyncAPIClient):
            def _should_retry(self, call, outcome, error):
                return None

            async def get(self):
                await self._request_json("GET", "x")
                return self._session.base_url

        class Resource:
            async def _send(self):
                return self._send

            def other(self, client):
                return client._retry
        """
    )

    class Client(AsyncAPIClient):
        pass

    class Resource:
        pass

    module = type("M", (), {"Client": Client, "Resource": Resource})
    found = list(member_violations(client_source, module, name))
    assert len(found) == 3, found
    assert "_should_retry" in found[0]
    assert "self._session" in found[1]
    assert "client._retry" in found[2]
