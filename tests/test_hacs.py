"""What HACS checks before it lists the repository (https://hacs.xyz/docs/publish/start).

HACS rejects a hacs.json with any key it does not document, needs the manifest's keys and a
brand icon in the integration, and an open-source license at the root.
"""

import json
from pathlib import Path

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as ha_version

ROOT = Path(__file__).parents[1]
INTEGRATION = ROOT / "custom_components" / "smartcar"

# hacs.xyz/docs/publish/start, "hacs.json": the keys HACS documents (name is required).
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "hacs",
    "persistent_directory",
}
# hacs.xyz/docs/publish/integration, "manifest.json".
MANIFEST_KEYS = {
    "domain",
    "documentation",
    "issue_tracker",
    "codeowners",
    "name",
    "version",
}


def test_hacs_json_has_only_documented_keys() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())

    assert set(hacs) <= HACS_KEYS
    assert hacs["name"] == "Smartcar"
    # The Home Assistant the tests run on is new enough for what hacs.json asks.
    assert AwesomeVersion(ha_version) >= AwesomeVersion(hacs["homeassistant"])


def test_manifest_has_what_hacs_needs_and_a_brand_icon() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())

    assert set(manifest) >= MANIFEST_KEYS
    assert manifest["codeowners"]
    assert (INTEGRATION / "brand" / "icon.png").is_file()


def test_repository_is_licensed_apache_2() -> None:
    license_text = (ROOT / "LICENSE").read_text()

    assert "Apache License" in license_text
    assert "Version 2.0, January 2004" in license_text
    assert (
        "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in license_text
    )
