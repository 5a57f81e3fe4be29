"""Diagnostics: useful, and free of tokens, secrets, webhook ids, VINs and coordinates."""

import json

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar.diagnostics import TO_REDACT

from .conftest import (
    ACCESS_TOKEN,
    API,
    CLIENT_ID,
    CLIENT_SECRET,
    EV_ID,
    PETROL_ID,
    REFRESH_TOKEN,
    USER_ID,
    Reply,
    SmartcarMock,
    load_fixture,
    make_entry,
    setup_entry,
)

MANAGEMENT_TOKEN = "amt-5d41402abc4b2a76b9719d911017c592"
WEBHOOK_ID = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99"
SMARTCAR_WEBHOOK_ID = "5a8e5e38-1e12-4011-a36d-56f120053f9e"


async def test_diagnostics_hold_no_secret_vin_or_coordinate(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry()
    entry.add_to_hass(hass)
    # The entry holds every secret a careless dump could show: the tokens, the application
    # credential next to its implementation, and the Smartcar user id as the unique id.
    hass.config_entries.async_update_entry(
        entry,
        data={**entry.data, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    await setup_entry(hass, entry)
    assert entry.unique_id == USER_ID

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)

    for secret in (ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET, USER_ID):
        assert secret not in text
    assert "5YJ3E1EA7NF000001" not in text
    assert "52.3731" not in text
    assert "4.8922" not in text
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["client_secret"] == "**REDACTED**"
    # The implementation is named by the application's client id.
    assert diagnostics["entry"]["data"]["auth_implementation"] == "**REDACTED**"
    # Still useful: what was read, how old it is, how the budget and schedule stand.
    vehicle = diagnostics["vehicles"][EV_ID]
    assert vehicle["state"]["values"]["battery_percent"] == 76.0
    assert vehicle["state"]["ages"]["battery_percent"] == "2026-10-20T07:58:00+00:00"
    # No feature shows the VIN: it is not even kept.
    assert "vin" not in vehicle["state"]["values"]
    assert vehicle["state"]["values"]["latitude"] == "**REDACTED**"
    assert vehicle["budget"]["used"] == 2
    assert vehicle["profile"]["attributes"]["make"] == "TESLA"
    assert vehicle["read_path"] == "signals"
    assert vehicle["poll"]["reason"] == "spread"
    assert diagnostics["entry"]["options"]["monthly_limit"] == 500


def test_fixture_car_really_reports_vin_and_coordinates() -> None:
    """The redaction test above means something only if the fixture has them."""
    text = json.dumps(load_fixture("ev/signals.json"))

    assert "5YJ3E1EA7NF000001" in text
    assert "52.3731" in text


async def test_diagnostics_hold_neither_management_token_nor_webhook_id(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(
        options={"management_token": MANAGEMENT_TOKEN, "webhook_id": WEBHOOK_ID},
        data={
            "smartcar_webhook_id": SMARTCAR_WEBHOOK_ID,
            "subscribed_vehicles": [EV_ID],
        },
    )
    await setup_entry(hass, entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)

    assert MANAGEMENT_TOKEN not in text
    assert WEBHOOK_ID not in text
    assert SMARTCAR_WEBHOOK_ID not in text
    assert diagnostics["entry"]["data"]["smartcar_webhook_id"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["subscribed_vehicles"] == [EV_ID]
    assert diagnostics["entry"]["options"]["management_token"] == "**REDACTED**"
    assert diagnostics["entry"]["options"]["webhook_id"] == "**REDACTED**"
    # Still useful: webhooks are on, so polling is a safety poll.
    assert diagnostics["policy"]["safety_interval"] == "1 day, 0:00:00"


async def test_diagnostics_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
) -> None:
    # A new entry whose cars cannot be listed waits for a retry, not loaded.
    smartcar.routes["GET", f"{API}/vehicles"] = Reply(status=500, body={})
    entry = make_entry()
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["entry"]["state"] == "setup_retry"
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
    assert "vehicles" not in diagnostics


def test_every_secret_or_personal_key_is_redacted() -> None:
    assert frozenset(TO_REDACT) == {
        "access_token",
        "refresh_token",
        "token",
        "client_id",
        "client_secret",
        "api_client_id",
        "api_client_secret",
        "auth_implementation",
        "management_token",
        "webhook_id",
        "smartcar_webhook_id",
        "vin",
        "latitude",
        "longitude",
        "heading_degrees",
        "read_triggers",
        "is_at_home",
        "location_type",
        "nickname",
        "user_id",
        "unique_id",
    }


MATRIX = "https://api.smartcar.com/v2.0/compatibility/matrix"


@pytest.mark.parametrize(
    ("country", "reply", "hint"),
    [
        (
            "DE",
            Reply(
                body={
                    "TESLA": [
                        {
                            "model": "3",
                            "startYear": 2017,
                            "endYear": 2023,
                            "type": "BEV",
                            "endpoints": ["EV battery"],
                            "permissions": [
                                "read_battery",
                                "read_charge",
                                "read_location",
                            ],
                        }
                    ]
                }
            ),
            "listed",
        ),
        ("DE", Reply(status=401, body={"type": "AUTHENTICATION"}), None),
        ("JP", None, None),
    ],
    ids=["europe", "plan-without-compatibility", "no-region"],
)
async def test_each_car_says_which_chosen_permissions_its_model_supports(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
    *,
    country: str,
    reply: Reply | None,
    hint: str | None,
) -> None:
    hass.config.country = country
    smartcar.add_vehicle("ev")
    if reply is not None:
        smartcar.add_route("GET", MATRIX, reply)
    entry = make_entry(groups=["battery", "location", "tires"])
    await setup_entry(hass, entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    compatibility = diagnostics["vehicles"][EV_ID]["compatibility"]
    if hint is None:
        assert compatibility is None
        return
    assert compatibility == {
        "model_listed": True,
        "supported": ["read_battery", "read_charge", "read_location"],
        "not_supported": ["read_tires"],
    }
    # Asked with the application's credentials, never in the query.
    (call,) = smartcar.calls("GET", MATRIX)
    assert CLIENT_SECRET not in str(call[1])


async def test_a_cars_device_diagnostics_hold_that_car_only(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    entry = make_entry()
    await setup_entry(hass, entry)
    device = dr.async_get(hass).async_get_device_by_identifier(
        ("smartcar", EV_ID), entry.entry_id
    )
    assert device is not None

    diagnostics = await get_diagnostics_for_device(hass, hass_client, entry, device)

    assert diagnostics["vehicle"]["profile"]["attributes"]["model"] == "Model 3"
    assert "vehicles" not in diagnostics
    assert PETROL_ID not in json.dumps(diagnostics)
    assert diagnostics["entry"]["data"]["token"] == "**REDACTED**"
