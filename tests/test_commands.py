"""Commands: the right endpoint and body, the state updated at once, failures explained."""

from homeassistant.components.lock import LockState
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar.api.models import VehicleState

from .conftest import (
    API,
    API_V3,
    DOMAIN,
    EV_ID,
    TOKEN_URL,
    Reply,
    SmartcarMock,
    once,
    v2_error,
)

VEHICLE = f"{API}/vehicles/{EV_ID}"
SIGNALS = f"{API_V3}/vehicles/{EV_ID}/signals"
LOCK = "lock.tesla_model_3_lock"
CHARGING = "switch.tesla_model_3_charge"
CHARGE_LIMIT = "number.tesla_model_3_charge_limit"

pytestmark = pytest.mark.usefixtures("loaded_ev")


def _bodies(smartcar: SmartcarMock, path: str) -> list[object]:
    return [call[2] for call in smartcar.calls("POST", f"{VEHICLE}{path}")]


@pytest.mark.parametrize(
    ("service", "action", "state"),
    [("unlock", "UNLOCK", LockState.UNLOCKED), ("lock", "LOCK", LockState.LOCKED)],
)
async def test_lock_commands_update_state_without_a_poll(
    hass: HomeAssistant, smartcar: SmartcarMock, service: str, action: str, state: str
) -> None:
    if service == "lock":
        await hass.services.async_call(
            "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
        )

    await hass.services.async_call(
        "lock", service, {ATTR_ENTITY_ID: LOCK}, blocking=True
    )

    assert _bodies(smartcar, "/security")[-1] == {"action": action}
    assert hass.states.get(LOCK).state == state
    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_charging_switch_starts_and_stops_charging(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    assert hass.states.get(CHARGING).state == STATE_OFF

    await hass.services.async_call(
        "switch", "turn_on", {ATTR_ENTITY_ID: CHARGING}, blocking=True
    )
    assert _bodies(smartcar, "/charge") == [{"action": "START"}]
    assert hass.states.get(CHARGING).state == STATE_ON
    assert hass.states.get("binary_sensor.tesla_model_3_charging").state == STATE_ON

    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: CHARGING}, blocking=True
    )
    assert _bodies(smartcar, "/charge") == [{"action": "START"}, {"action": "STOP"}]
    assert hass.states.get(CHARGING).state == STATE_OFF
    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_charge_limit_is_sent_as_a_fraction(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: CHARGE_LIMIT, "value": 90},
        blocking=True,
    )

    assert _bodies(smartcar, "/charge/limit") == [{"limit": 0.9}]
    assert hass.states.get(CHARGE_LIMIT).state == "90.0"
    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_charge_limit_out_of_range_sends_nothing(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: CHARGE_LIMIT, "value": 40},
            blocking=True,
        )

    assert _bodies(smartcar, "/charge/limit") == []
    assert hass.states.get(CHARGE_LIMIT).state == "80.0"


@pytest.mark.parametrize("limit", [0.4, 1.2, float("nan")])
async def test_charge_limit_out_of_range_is_refused_before_sending(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    limit: float,
) -> None:
    """Past Home Assistant's slider bounds, the client itself refuses, and nothing is billed."""
    coordinator = loaded_ev.runtime_data.vehicles[EV_ID]
    ledger = loaded_ev.runtime_data.ledger
    before = ledger.usage(EV_ID, dt_util.utcnow()).used

    with pytest.raises(ServiceValidationError, match="refused the values") as raised:
        await coordinator.commands.async_send(
            lambda client, vehicle_id: client.set_charge_limit(vehicle_id, limit),
            VehicleState(charge_limit_percent=limit * 100),
        )

    assert raised.value.translation_key == "invalid_input"
    assert _bodies(smartcar, "/charge/limit") == []
    assert ledger.usage(EV_ID, dt_util.utcnow()).used == before
    assert hass.states.get(CHARGE_LIMIT).state == "80.0"


async def test_commands_count_against_the_budget(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    ledger = loaded_ev.runtime_data.ledger
    before = ledger.usage(EV_ID, dt_util.utcnow()).used

    await hass.services.async_call(
        "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
    )

    assert ledger.usage(EV_ID, dt_util.utcnow()).used == before + 1


async def test_command_refused_because_a_door_is_open_explains_why(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    await hass.services.async_call(
        "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
    )
    smartcar.routes["POST", f"{VEHICLE}/security"] = v2_error(
        409, "VEHICLE_STATE", "DOOR_OPEN"
    )

    with pytest.raises(HomeAssistantError, match="A door is open") as raised:
        await hass.services.async_call(
            "lock", "lock", {ATTR_ENTITY_ID: LOCK}, blocking=True
        )

    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "vehicle_state_door_open"
    assert hass.states.get(LOCK).state == LockState.UNLOCKED


@pytest.mark.parametrize(
    ("reply", "key", "message"),
    [
        (
            v2_error(409, "VEHICLE_STATE", "CHARGING_PLUG_NOT_CONNECTED"),
            "vehicle_state_charging_plug_not_connected",
            "charging cable is not connected",
        ),
        (
            v2_error(409, "VEHICLE_STATE", "SOMETHING_NEW"),
            "vehicle_state",
            "SOMETHING_NEW",
        ),
        (
            v2_error(501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"),
            "not_capable",
            "cannot do that",
        ),
        (v2_error(429, "RATE_LIMIT", "VEHICLE"), "rate_limited_command", "slow down"),
        (v2_error(403, "PERMISSION"), "permission_denied", "not granted"),
        (v2_error(500, "SERVER", "INTERNAL"), "command_failed", "SERVER:INTERNAL"),
        (
            v2_error(400, "VALIDATION", "PARAMETER"),
            "invalid_input",
            "refused the values",
        ),
    ],
)
async def test_failed_command_raises_translated_error(
    hass: HomeAssistant, smartcar: SmartcarMock, reply: Reply, key: str, message: str
) -> None:
    smartcar.routes["POST", f"{VEHICLE}/charge"] = reply

    with pytest.raises(HomeAssistantError, match=message) as raised:
        await hass.services.async_call(
            "switch", "turn_on", {ATTR_ENTITY_ID: CHARGING}, blocking=True
        )

    assert raised.value.translation_key == key
    assert hass.states.get(CHARGING).state == STATE_OFF


async def test_command_with_token_ended_early_is_sent_after_a_refresh(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    smartcar.routes["POST", f"{VEHICLE}/security"] = once(
        v2_error(401, "AUTHENTICATION"),
        Reply(
            body={
                "status": "success",
                "message": "Successfully sent request to vehicle",
            }
        ),
    )

    await hass.services.async_call(
        "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
    )

    assert smartcar.refreshes == 1
    assert _bodies(smartcar, "/security") == [
        {"action": "UNLOCK"},
        {"action": "UNLOCK"},
    ]
    assert hass.states.get(LOCK).state == LockState.UNLOCKED


async def test_command_with_rejected_token_starts_reauth(
    hass: HomeAssistant, smartcar: SmartcarMock
) -> None:
    smartcar.routes["POST", f"{VEHICLE}/security"] = v2_error(401, "AUTHENTICATION")

    with pytest.raises(HomeAssistantError, match="Log in again"):
        await hass.services.async_call(
            "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
        )
    await hass.async_block_till_done()

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_command_refused_for_billing_raises_issue(
    hass: HomeAssistant, smartcar: SmartcarMock, issue_registry: ir.IssueRegistry
) -> None:
    smartcar.routes["POST", f"{VEHICLE}/security"] = v2_error(
        430, "BILLING", "VEHICLE_LIMIT"
    )

    with pytest.raises(HomeAssistantError, match="limit is reached"):
        await hass.services.async_call(
            "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
        )

    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}") is not None


async def test_command_blocked_by_carmaker_account_raises_issue(
    hass: HomeAssistant, smartcar: SmartcarMock, issue_registry: ir.IssueRegistry
) -> None:
    smartcar.routes["POST", f"{VEHICLE}/security"] = v2_error(
        400,
        "CONNECTED_SERVICES_ACCOUNT",
        "VIRTUAL_KEY_REQUIRED",
        resolution="CONTACT_SUPPORT",
    )

    with pytest.raises(HomeAssistantError, match="VIRTUAL_KEY_REQUIRED"):
        await hass.services.async_call(
            "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
        )

    issue = issue_registry.async_get_issue(
        DOMAIN, f"connected_services_account_{EV_ID}"
    )
    assert issue is not None
    assert issue.learn_more_url is None


@pytest.mark.parametrize(
    ("status", "message"),
    [(503, "could not be reached"), (400, "Log in again")],
)
async def test_command_when_token_cannot_be_refreshed(
    hass: HomeAssistant,
    *,
    loaded_ev: MockConfigEntry,
    smartcar: SmartcarMock,
    status: int,
    message: str,
) -> None:
    smartcar.routes["POST", TOKEN_URL] = Reply(
        status=status, body={"error": "invalid_grant"}
    )
    hass.config_entries.async_update_entry(
        loaded_ev,
        data={**loaded_ev.data, "token": {**loaded_ev.data["token"], "expires_at": 0}},
    )

    with pytest.raises(HomeAssistantError, match=message):
        await hass.services.async_call(
            "lock", "unlock", {ATTR_ENTITY_ID: LOCK}, blocking=True
        )

    assert _bodies(smartcar, "/security") == []
