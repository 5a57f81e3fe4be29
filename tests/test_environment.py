"""The tests run on the Home Assistant and Python our users run, and the loader finds us."""

import json
from pathlib import Path
import sys

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

MANIFEST = (
    Path(__file__).parents[1] / "custom_components" / "smartcar" / "manifest.json"
)


def test_runs_on_current_home_assistant_and_python() -> None:
    assert AwesomeVersion(ha_version) >= AwesomeVersion("2026.10.0"), ha_version
    assert sys.version_info >= (3, 14, 2), sys.version


async def test_loader_finds_this_repository_integration(hass: HomeAssistant) -> None:
    integration = await async_get_integration(hass, "smartcar")

    manifest = json.loads(MANIFEST.read_text())
    assert integration.domain == "smartcar"
    assert str(integration.file_path) == str(MANIFEST.parent)
    assert integration.version == AwesomeVersion(manifest["version"])
    assert "application_credentials" in integration.dependencies
    assert integration.config_flow is True
    assert integration.iot_class == "cloud_polling"


def test_manifest_keys_are_ordered_as_hassfest_wants() -> None:
    keys = list(json.loads(MANIFEST.read_text()))
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
