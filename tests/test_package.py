"""The public package: what `import labelkit` loads, and its lazy client names."""

from __future__ import annotations

import subprocess
import sys

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
