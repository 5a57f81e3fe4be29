"""The config flow for a V3 application: API credentials checked, the owner from Connections."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import (
    API,
    API_V3,
    EV_ID,
    PETROL_ID,
    USER_ID,
    Reply,
    SmartcarMock,
    make_entry,
)
from .test_config_flow import _finish, _start
from .test_v3 import API_CLIENT_ID, API_CLIENT_SECRET, CONNECTIONS, IAM, V3Smartcar

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")

V3_CHOICES = {"api_client_id": API_CLIENT_ID, "api_client_secret": API_CLIENT_SECRET}


@pytest.fixture
def v3(smartcar: SmartcarMock) -> V3Smartcar:
    return V3Smartcar(smartcar)


def _v2_calls(smartcar: SmartcarMock) -> list[Any]:
    return [call for call in smartcar.aioclient_mock.mock_calls if API in str(call[1])]


async def test_v3_application_is_set_up_from_the_newest_connection(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    older = {
        "id": "conn-old",
        "type": "connection",
        "attributes": {"user": {"id": "someone-else"}},
        "relationships": {
            "vehicle": {"data": {"id": "an-old-car", "type": "vehicle"}},
            "user": {"data": {"id": "someone-else", "type": "user"}},
        },
        "meta": {"createdAt": "2025-01-01T00:00:00Z"},
    }
    newest = v3._connections  # the account's own cars, connected today

    def connections(body: Any) -> Reply:
        reply = newest(body)
        for item in reply.body["data"]:
            item["meta"]["createdAt"] = "2026-10-20T07:59:00Z"
        reply.body["data"].append(older)
        return reply

    smartcar.routes["GET", CONNECTIONS] = connections
    result = await _start(hass, **V3_CHOICES)
    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    data = result["data"]
    assert data["api_generation"] == "v3"
    assert (data["api_client_id"], data["api_client_secret"]) == (
        API_CLIENT_ID,
        API_CLIENT_SECRET,
    )
    assert data["user_id"] == USER_ID
    assert result["result"].unique_id == USER_ID
    # The owner and the cars came from v3: nothing asked v2 for the user or the cars.
    assert not [
        call
        for call in _v2_calls(smartcar)
        if "/user" in str(call[1]) or str(call[1]).endswith("/vehicles")
    ]
    await hass.async_block_till_done(wait_background_tasks=True)
    entry = result["result"]
    assert set(entry.runtime_data.vehicles) == {EV_ID, PETROL_ID}


@pytest.mark.parametrize(
    ("choices", "token_reply", "error"),
    [
        (
            V3_CHOICES,
            Reply(status=401, body={"error": "invalid_client"}),
            "invalid_api_credentials",
        ),
        (V3_CHOICES, Reply(status=503), "cannot_connect"),
        ({"api_client_id": API_CLIENT_ID}, None, "api_secret_required"),
    ],
    ids=["refused", "token-endpoint-down", "secret-missing"],
)
async def test_api_credentials_are_checked_before_connect_and_the_choice_is_kept(
    hass: HomeAssistant,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
    *,
    choices: dict[str, str],
    token_reply: Reply | None,
    error: str,
) -> None:
    if token_reply is not None:
        smartcar.routes["POST", IAM] = token_reply

    result = await _start(hass, permissions=["battery"], **choices)

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    # The owner's choice stays on the form.
    schema = result["data_schema"].schema
    permissions = next(key for key in schema if key == "permissions")
    assert permissions.description["suggested_value"] == ["battery"]


@pytest.mark.parametrize(
    ("connections", "reason"),
    [
        (Reply(body={"data": [], "meta": {"totalCount": 0}}), "no_vehicles"),
        (Reply(status=500, body={"errors": [{"type": "SERVER"}]}), "cannot_connect"),
    ],
    ids=["no-connection", "connections-failing"],
)
async def test_v3_flow_without_a_connection_ends_with_a_reason(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
    *,
    connections: Reply,
    reason: str,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", CONNECTIONS] = connections

    result = await _finish(hass, hass_client_no_auth, await _start(hass, **V3_CHOICES))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_reauth_of_a_v3_entry_keeps_its_stored_secret(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(
        data={
            "api_generation": "v3",
            "api_client_id": API_CLIENT_ID,
            "api_client_secret": API_CLIENT_SECRET,
            "user_id": USER_ID,
        }
    )
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)
    fields = {str(key): key for key in result["data_schema"].schema}
    assert fields["api_client_id"].description["suggested_value"] == API_CLIENT_ID
    # The secret is never sent back to the browser.
    assert "suggested_value" not in (fields["api_client_secret"].description or {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["battery"], "api_client_id": API_CLIENT_ID}
    )
    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["api_generation"] == "v3"
    assert entry.data["api_client_secret"] == API_CLIENT_SECRET
    # The entry is set up again with the kept secret and reads the car through v3 only.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    signals = smartcar.calls("GET", f"{API_V3}/vehicles/{EV_ID}/signals")
    assert signals[-1][3]["sc-user-id"] == USER_ID
    assert not _v2_calls(smartcar)


async def test_reconfigure_with_api_credentials_moves_a_legacy_entry_to_v3(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry()
    entry.add_to_hass(hass)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["battery"], "mode": "live", **V3_CHOICES}
    )
    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["api_generation"] == "v3"
    assert entry.data["user_id"] == USER_ID
    assert entry.unique_id == USER_ID
    await hass.async_block_till_done(wait_background_tasks=True)
    signals = smartcar.calls("GET", f"{API_V3}/vehicles/{EV_ID}/signals")
    assert signals[-1][3]["sc-user-id"] == USER_ID
