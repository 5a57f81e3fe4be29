"""Every name, message and icon the code refers to exists, and en.json is strings.json."""

import json
from pathlib import Path
import re

from homeassistant.util.yaml import load_yaml_dict

from custom_components.smartcar import (
    binary_sensor,
    button,
    device_tracker,
    lock,
    number,
    sensor,
    switch,
)
from custom_components.smartcar.binary_sensor import _OPENING_GROUPS
from custom_components.smartcar.failures import VEHICLE_STATE_CODES

INTEGRATION = Path(__file__).parents[1] / "custom_components" / "smartcar"
STRINGS = json.loads((INTEGRATION / "strings.json").read_text())
ICONS = json.loads((INTEGRATION / "icons.json").read_text())
PLATFORMS = {
    "binary_sensor": binary_sensor,
    "button": button,
    "device_tracker": device_tracker,
    "lock": lock,
    "number": number,
    "sensor": sensor,
    "switch": switch,
}


def _entity_keys() -> dict[str, set[str]]:
    keys = {
        platform: {
            description.translation_key
            for description in module._DESCRIPTIONS
            if description.translation_key is not None
        }
        for platform, module in PLATFORMS.items()
    }
    for group in _OPENING_GROUPS:
        keys["binary_sensor"] |= set(group.positions.values())
        keys["binary_sensor"].add(
            group.name if group.single_name else f"{group.name}_other"
        )
    return keys


def test_english_translation_is_the_full_strings_file() -> None:
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())

    assert english == STRINGS
    assert "[%key:" not in json.dumps(STRINGS)


def test_every_entity_has_a_name_and_an_icon() -> None:
    for platform, keys in _entity_keys().items():
        assert keys <= set(STRINGS["entity"][platform]), platform
        assert keys <= set(ICONS["entity"][platform]), platform
        # Nothing left over either.
        assert set(STRINGS["entity"][platform]) == keys, platform
        assert set(ICONS["entity"][platform]) == keys, platform


def test_every_raised_message_is_translated() -> None:
    # The modules that raise; the platforms' translation keys are entity names.
    source = "\n".join(
        (INTEGRATION / name).read_text()
        for name in (
            "__init__.py",
            "access.py",
            "coordinator.py",
            "commands.py",
            "failures.py",
            "services.py",
        )
    )
    used = set(re.findall(r'translation_key="([a-z_]+)"', source))
    used |= set(re.findall(r'_invalid\(\s*"([a-z_]+)"', source))
    used |= {f"vehicle_state_{code.lower()}" for code in VEHICLE_STATE_CODES}
    used |= {
        "connected_services_account",
        "permission_denied",
        "update_failed",
    }
    used |= set(re.findall(r'_error\(\s*"([a-z_]+)"', source))
    used |= {
        f"refresh_refused_{reason}"
        for reason in ("billing", "budget_exhausted", "rate_limited", "floor")
    }
    used |= {"command_failed", "cannot_connect"}
    # A refusal without a code we know.
    used |= {"vehicle_state"}

    assert used <= set(STRINGS["exceptions"])
    # Nothing left over either.
    assert set(STRINGS["exceptions"]) <= used
    assert set(STRINGS["issues"]) == {
        "billing_limit",
        "request_budget_exhausted",
        "connected_services_account",
        "connected_services_account_no_url",
        "signals_unavailable",
        "v2_retired",
    }


def test_every_action_and_field_is_described() -> None:
    services = load_yaml_dict(str(INTEGRATION / "services.yaml"))

    assert set(services) == set(STRINGS["services"]) == set(ICONS["services"])
    for name, service in services.items():
        assert set(service["fields"]) == set(STRINGS["services"][name]["fields"])


def test_every_flow_error_and_step_is_used() -> None:
    source = "\n".join(
        (INTEGRATION / name).read_text()
        for name in ("config_flow.py", "options_flow.py", "migration.py")
    )
    for section in ("config", "options"):
        for error in STRINGS[section].get("error", {}):
            assert f'"{error}"' in source, error
    # Home Assistant's own OAuth step, and the steps the flows define.
    steps = {"pick_implementation"} | set(re.findall(r"async_step_([a-z_]+)", source))
    assert set(STRINGS["config"]["step"]) <= steps
    assert set(STRINGS["options"]["step"]) <= steps


def test_charging_icons_claim_nothing_the_state_does_not_say() -> None:
    """Charging or not says nothing about the plug, nor about how full the battery is."""
    for platform in ("binary_sensor", "switch"):
        icons = ICONS["entity"][platform]["charging"]
        not_charging = {icons["default"], icons["state"].get("off", icons["default"])}
        for icon in not_charging:
            assert "plug" not in icon, platform
            assert icon not in {"mdi:battery", "mdi:battery-outline"}, platform
        assert icons["state"]["on"] == "mdi:battery-charging", platform


def test_charging_has_one_name() -> None:
    names = [
        STRINGS["entity"][platform][key]["name"]
        for platform in STRINGS["entity"]
        for key in STRINGS["entity"][platform]
    ]
    assert names.count("Charging") == 1
