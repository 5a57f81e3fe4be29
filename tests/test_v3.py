"""A V3 application: one application token, the owner's sc-user-id, cars from v3 Connections."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import (
    API,
    API_V3,
    EV_ID,
    PETROL_ID,
    USER_ID,
    Reply,
    SmartcarMock,
    make_entry,
    next_poll,
    setup_entry,
)

IAM = "https://iam.smartcar.com/oauth2/token"
CONNECTIONS = f"{API_V3}/connections"
API_CLIENT_ID = "client_01JABCDEF"
API_CLIENT_SECRET = "sec_01JSECRETVALUE"


def _connection(vehicle_id: str, user_id: str = USER_ID) -> dict[str, Any]:
    """One v3 connection as the Connections API lists it (SMARTCAR_V3.md §3.1)."""
    return {
        "id": f"conn-{vehicle_id[:8]}",
        "type": "connection",
        "attributes": {"permissions": ["read_battery"], "user": {"id": user_id}},
        "relationships": {
            "vehicle": {"data": {"id": vehicle_id, "type": "vehicle"}},
            "user": {"data": {"id": user_id, "type": "user"}},
        },
        "meta": {"createdAt": "2026-10-01T10:00:00Z"},
    }


class V3Smartcar:
    """The V3 side of the mocked Smartcar: the IAM token endpoint and Connections."""

    def __init__(self, smartcar: SmartcarMock) -> None:
        self.smartcar = smartcar
        self.tokens_issued = 0
        smartcar.add_route("POST", IAM, self._token)
        smartcar.add_route("GET", CONNECTIONS, self._connections)

    def _token(self, form: Any) -> Reply:
        fields = form if isinstance(form, dict) else parse_qs(str(form))
        if "client_credentials" not in str(fields.get("grant_type")):
            return Reply(status=400, body={"error": "invalid_request"})
        self.tokens_issued += 1
        return Reply(
            body={
                "access_token": f"app-token-{self.tokens_issued}",
                "token_type": "Bearer",
                "expires_in": 3600,
            }
        )

    def _connections(self, _body: Any) -> Reply:
        items = [_connection(vehicle_id) for vehicle_id in self.smartcar.vehicles]
        return Reply(
            body={
                "data": items,
                "meta": {"pageNumber": 1, "pageSize": 100, "totalCount": len(items)},
                "links": {"next": None},
            }
        )


@pytest.fixture
def v3(smartcar: SmartcarMock) -> V3Smartcar:
    return V3Smartcar(smartcar)


def v3_entry(**options: Any) -> MockConfigEntry:
    return make_entry(
        data={
            "api_generation": "v3",
            "api_client_id": API_CLIENT_ID,
            "api_client_secret": API_CLIENT_SECRET,
            "user_id": USER_ID,
        },
        options=options or None,
    )


def _headers(smartcar: SmartcarMock, url: str) -> list[dict[str, str]]:
    return [call[3] for call in smartcar.calls("GET", url)]


async def test_v3_entry_reads_with_the_application_token_and_sc_user_id(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock, v3: V3Smartcar
) -> None:
    smartcar.add_vehicle("ev")
    entry = v3_entry()

    await setup_entry(hass, entry)

    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.tesla_model_3_battery").state == "76.0"
    (signals,) = _headers(smartcar, f"{API_V3}/vehicles/{EV_ID}/signals")
    assert signals["Authorization"] == "Bearer app-token-1"
    assert signals["sc-user-id"] == USER_ID
    # Nothing went to v2: no user list, no permissions, no attributes there.
    assert not [
        call for call in smartcar.aioclient_mock.mock_calls if API in str(call[1])
    ]
    assert v3.tokens_issued == 1


async def test_entries_of_one_application_share_one_token_request(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock, v3: V3Smartcar
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    first, second = v3_entry(), v3_entry()
    second.add_to_hass(hass)
    hass.config_entries.async_update_entry(second, unique_id="another-smartcar-user")

    # Setting up the integration sets up both entries.
    await setup_entry(hass, first)

    assert first.state is second.state is ConfigEntryState.LOADED
    assert v3.tokens_issued == 1


async def test_application_token_is_renewed_before_it_expires_with_one_request(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    await setup_entry(hass, v3_entry())
    assert v3.tokens_issued == 1

    # Both cars' next polls come after the hour the token is valid.
    await next_poll(hass, freezer, timedelta(hours=2).total_seconds())

    assert v3.tokens_issued == 2
    latest = _headers(smartcar, f"{API_V3}/vehicles/{PETROL_ID}/signals")[-1]
    assert latest["Authorization"] == "Bearer app-token-2"


async def test_a_token_smartcar_refused_early_is_renewed_once(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    await setup_entry(hass, v3_entry())
    signals = f"{API_V3}/vehicles/{EV_ID}/signals"
    working = smartcar.routes["GET", signals]

    def refuse_the_first_token(body: Any) -> Reply:
        latest = smartcar.aioclient_mock.mock_calls[-1][3]["Authorization"]
        if latest == "Bearer app-token-1":
            return Reply(status=401, body={"errors": [{"type": "AUTHENTICATION"}]})
        return working(body) if callable(working) else working

    smartcar.routes["GET", signals] = refuse_the_first_token
    await next_poll(hass, freezer, timedelta(minutes=45).total_seconds())

    assert v3.tokens_issued == 2
    assert _headers(smartcar, signals)[-1]["Authorization"] == "Bearer app-token-2"
    assert not hass.config_entries.flow.async_progress_by_handler("smartcar")


async def test_refused_api_credentials_ask_for_new_ones(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock, v3: V3Smartcar
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["POST", IAM] = Reply(
        status=401, body={"error": "invalid_client", "error_description": "bad"}
    )
    entry = v3_entry()

    await setup_entry(hass, entry)

    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert [
        flow["context"]["source"]
        for flow in hass.config_entries.flow.async_progress_by_handler("smartcar")
    ] == ["reauth"]
