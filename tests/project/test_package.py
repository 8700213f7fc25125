"""The public package: what `import labelkit` loads, and its lazy client names."""

from __future__ import annotations

import subprocess
import sys

import pytest

import labelkit


def test_import_labelkit_loads_no_provider_until_one_is_used() -> None:
    code = (
        "import sys, labelkit\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('labelkit._providers.'))\n"
        "assert loaded == [], loaded\n"
        "assert 'numpy' not in sys.modules and 'redis' not in sys.modules\n"
        "labelkit.AsyncScale\n"
        "assert 'labelkit._providers.scale' in sys.modules\n"
        "assert 'labelkit._providers.fastlabel' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_public_name_resolves_with_its_public_module() -> None:
    for name in labelkit.__all__:
        value = getattr(labelkit, name)
        if isinstance(value, type):
            assert value.__module__ == "labelkit", name
    assert {"AsyncFastLabel", "FastLabel", "AsyncScale", "Scale"} <= set(dir(labelkit))


def test_a_fastlabel_client_does_not_load_the_httpx_command_line() -> None:
    # httpx's CLI (rich, click, pygments) was a fifth of what labelkit.FastLabel cost to import.
    code = (
        "import sys, labelkit\n"
        "labelkit.FastLabel\n"
        "for name in ('httpx._main', 'rich', 'click', 'pygments'):\n"
        "    assert name not in sys.modules, name\n"
        "import httpx\n"
        "assert callable(httpx.main)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_httpx_main_runs_the_real_command_line() -> None:
    # httpx.main, as labelkit leaves it, still runs httpx's CLI (here: its --help), where
    # httpx's CLI extra (click, rich, pygments) is installed.
    pytest.importorskip("click", reason="httpx's CLI extra is not installed")
    code = "import labelkit._http, httpx, sys\nsys.argv = ['httpx', '--help']\nhttpx.main()\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout
