"""Developer tasks: ``nox -s tests lint typecheck docs``, ``nox -s codegen -- --check``.

``nox -s bench`` runs the benchmarks and ``nox -s demo`` the quickstart demo.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck", "codegen"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
# Every interpreter requires-python promises; ``nox -s tests-3.12`` runs one.
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, every async test on asyncio and trio.

    The ``robotics`` extra (pyarrow, OpenCV) is installed so that the
    ``import_lerobot`` end-to-end tests run instead of skipping.
    """
    session.install("-e", ".[all,robotics]", *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff lint and format check."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package (generated sync classes included)."""
    session.install("-e", ".[all]", *nox.project.dependency_groups(PYPROJECT, "typecheck"))
    session.run("mypy", "--strict", "labelkit")


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate the sync facade; ``nox -s codegen -- --check`` fails on drift."""
    session.install("-e", ".")
    session.run("python", "-m", "labelkit._sync._codegen", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site: ``mkdocs build --strict`` into ``site/``, then its checks.

    A broken link, an unknown reference or a docstring mkdocstrings cannot render
    fails the build. tests/project/test_docs_inventory.py then compares the site's
    ``objects.inv`` with the public API, so every public client, method and model
    is in the reference. (The guides' code blocks are run by tests/project/test_docs_snippets.py
    in ``nox -s tests``.)
    """
    session.install("-e", ".[all]", *nox.project.dependency_groups(PYPROJECT, "docs"))
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")
    session.run(
        "pytest",
        "tests/project/test_docs_inventory.py",
        "-p",
        "no:cacheprovider",
        env={"LABELKIT_DOCS_SITE": "site"},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the emulators, side by side with the official SDKs.

    Results in benchmarks/README.md and benchmarks/results.png. The official SDKs
    and matplotlib are installed here only, never as project dependencies.
    """
    session.install(
        "-e",
        ".[all]",
        "trio",
        "fastlabel==0.26.0",
        "scaleapi==2.18.4",
        "cloudsight==0.9.2",
        "matplotlib",
        "aiohttp",
        "trustme",
    )
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The README demo: bulk upload and analysis on the local emulator."""
    session.install("-e", ".[all]")
    session.run("labelkit", "demo", *session.posargs)
