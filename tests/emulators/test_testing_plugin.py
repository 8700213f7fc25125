"""The ``labelkit.testing`` pytest plugin, run in fresh projects with ``pytester``.

The examples of ``docs/testing.md`` are run verbatim: each ```python block is
one test module of a new project, run with ``-p labelkit.testing``.
"""

from __future__ import annotations

import re

import pytest

from tests._support import REPO

pytest_plugins = ["pytester"]

DOC = REPO / "docs" / "testing.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```$", DOC.read_text(), flags=re.M | re.S)
# In-process pytester: when an earlier test of this session imported labelkit.testing,
# pytest cannot rewrite its asserts and says so; a user's own run never sees that.
PLUGIN = (
    "-p",
    "labelkit.testing",
    "-p",
    "no:cacheprovider",
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_example_of_the_page_passes(pytester: pytest.Pytester, index: int) -> None:
    block = BLOCKS[index]
    pytester.makepyfile(**{f"test_example_{index}": block})
    result = pytester.runpytest(*PLUGIN, "-W", "error::DeprecationWarning")
    tests = len(re.findall(r"^(?:async )?def test_", block, flags=re.M))
    outcomes = result.parseoutcomes()
    # An anyio test may run once per backend of the environment.
    assert outcomes.get("passed", 0) >= tests, result.stdout.str()
    assert set(outcomes) <= {"passed"}, result.stdout.str()


def test_the_plugin_is_opt_in(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(fastlabel_emulator):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'fastlabel_emulator' not found*"])


def test_pytest_plugins_in_a_conftest_loads_it(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["labelkit.testing"]\n')
    pytester.makepyfile("def test_x(redflag_emulator):\n    assert redflag_emulator.name\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_every_provider_gets_all_four_fixtures(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        from labelkit.testing import PROVIDERS

        @pytest.mark.parametrize("provider", PROVIDERS)
        def test_sync(request, provider):
            emulator = request.getfixturevalue(f"{provider}_emulator")
            client = request.getfixturevalue(f"{provider}_sync_client")
            server = request.getfixturevalue(f"{provider}_server")
            assert server.app is emulator
            assert client.base_url.rstrip("/") == emulator.base_url.rstrip("/")
            httpx.get(server.base_url)
            assert emulator.stats.requests == 1

        @pytest.mark.anyio
        async def test_async(
            fastlabel_client, scale_client, cloudsight_client, datawow_client, redflag_client,
            fastlabel_emulator, scale_emulator, cloudsight_emulator, datawow_emulator,
            redflag_emulator,
        ):
            pairs = [
                (fastlabel_client, fastlabel_emulator), (scale_client, scale_emulator),
                (cloudsight_client, cloudsight_emulator), (datawow_client, datawow_emulator),
                (redflag_client, redflag_emulator),
            ]
            for client, emulator in pairs:
                assert client.base_url.rstrip("/") == emulator.base_url.rstrip("/")
        """
    )
    outcomes = pytester.runpytest(*PLUGIN).parseoutcomes()
    assert outcomes.get("passed", 0) >= 6 and set(outcomes) == {"passed"}


def test_each_test_gets_a_fresh_emulator(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("round", [1, 2])
        def test_fresh(fastlabel_emulator, fastlabel_sync_client, round):
            assert fastlabel_emulator.stats.requests == 0
            assert fastlabel_sync_client.get_projects() == []
            fastlabel_emulator.add_project(f"p{round}", type="image_bbox")
        """
    )
    pytester.runpytest(*PLUGIN).assert_outcomes(passed=2)


def test_the_marker_sets_the_emulator_config(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        import labelkit

        @pytest.fixture
        def labelkit_client_options():
            return {"max_retries": 0}

        @pytest.mark.labelkit_emulator(error_rate=1.0, error_status=502, seed=1)
        def test_every_call_fails(scale_sync_client, scale_emulator):
            assert scale_emulator.config.error_rate == 1.0
            with pytest.raises(labelkit.InternalServerError):
                scale_sync_client.tasks()
            assert scale_emulator.stats.errors_injected == 1
        """
    )
    pytester.runpytest(*PLUGIN, "--strict-markers").assert_outcomes(passed=1)
