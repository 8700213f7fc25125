"""The official SDKs (``fastlabel``, ``scaleapi``, ``cloudsight``), pointed at an emulator.

They are installed only in ``nox -s bench``; a benchmark whose SDK is missing
skips its official rows and says so. Setup requests (projects) go through
plain httpx so that they touch none of the clients being measured.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
from typing import Any

import httpx

__all__ = [
    "CLOUDSIGHT_KEY",
    "FASTLABEL_TOKEN",
    "SCALE_KEY",
    "fastlabel_project",
    "import_fastlabel",
    "official_cloudsight",
    "official_fastlabel",
    "official_scale",
    "sdk_version",
]

FASTLABEL_TOKEN = "test-token"
SCALE_KEY = "live_emulator_0000000000000000"
CLOUDSIGHT_KEY = "test-key"

#: Distribution name of each official SDK's import name.
_DISTRIBUTIONS = {"fastlabel": "fastlabel", "scaleapi": "scaleapi", "cloudsight": "cloudsight"}


def sdk_version(module: str) -> str | None:
    """The installed version of an official SDK, or ``None`` if it cannot be imported."""
    if importlib.util.find_spec(module) is None:
        return None
    try:
        return importlib.metadata.version(_DISTRIBUTIONS.get(module, module))
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def official_fastlabel(url: str) -> Any:
    """``fastlabel.Client()`` on the emulator at ``url`` (FASTLABEL_API_URL, trailing slash)."""
    os.environ["FASTLABEL_API_URL"] = url.rstrip("/") + "/v1/"
    os.environ["FASTLABEL_ACCESS_TOKEN"] = FASTLABEL_TOKEN
    fastlabel = import_fastlabel()
    return fastlabel.Client()


def import_fastlabel() -> Any:
    """``import fastlabel``, undoing its ``logging.basicConfig(level=INFO)``.

    Left in place, it would make httpx log every request of the labelkit
    clients measured in the same process, and bill them for it.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    fastlabel = importlib.import_module("fastlabel")
    root.handlers[:] = handlers
    root.setLevel(level)
    return fastlabel


def official_scale(url: str) -> Any:
    """``scaleapi.ScaleClient(key, api_instance_url=<url>/v1)``, as scale.md section 1 says."""
    scaleapi = importlib.import_module("scaleapi")
    return scaleapi.ScaleClient(SCALE_KEY, api_instance_url=url.rstrip("/") + "/v1")


def official_cloudsight(url: str) -> Any:
    """``cloudsight.API(SimpleAuth(key))`` with the module-level URLs patched to ``url``."""
    cloudsight = importlib.import_module("cloudsight")
    module = importlib.import_module("cloudsight.api")
    base = url.rstrip("/")
    for name, value in (
        ("BASE_URL", base),
        ("REQUESTS_URL", base + "/image_requests"),
        ("RESPONSES_URL", base + "/image_responses/"),
    ):
        setattr(module, name, value)
    return cloudsight.API(cloudsight.SimpleAuth(CLOUDSIGHT_KEY))


def fastlabel_project(
    url: str, slug: str, kind: str = "image_bbox", *, token: str = FASTLABEL_TOKEN
) -> str:
    """Create a FastLabel project on the emulator with ``token``; returns its slug."""
    body = {
        "type": kind,
        "name": slug.title(),
        "slug": slug,
        "workflow": "two_step",
        "externalWorkflow": "two_step",
    }
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.post(url.rstrip("/") + "/v1/projects", json=body, headers=headers)
    response.raise_for_status()
    return slug
