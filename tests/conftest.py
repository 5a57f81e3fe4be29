"""Shared fixtures.

pytest-homeassistant-custom-component puts its own `custom_components` package on `sys.path`; importing
ours first (pythonpath = "." in pyproject) makes Home Assistant's loader find this repository's
integration.
"""

from __future__ import annotations

import sys

import custom_components  # noqa: F401  - must come before Home Assistant looks for integrations
from homeassistant.const import __version__ as HA_VERSION
import pytest


def pytest_report_header() -> list[str]:
    """Print the versions the run used."""
    return [f"Home Assistant {HA_VERSION}, Python {sys.version.split()[0]}"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""
