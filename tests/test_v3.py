"""A V3 application: one application token, the owner's sc-user-id, cars from v3 Connections."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import repairs_flow_manager
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from .conftest import (
    API,
    API_V3,
    EV_ID,
    PETROL_ID,
    USER_ID,
    Reply,
    SmartcarMock,
    load_fixture,
    make_entry,
    next_poll,
    setup_entry,
    v3_error,
)
from .test_webhook import (
    MANAGEMENT_TOKEN,
    WEBHOOK_ID,
    deliver,
    encode,
    sign,
    vehicle_state,
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
        if API_CLIENT_SECRET not in str(fields.get("client_secret")):
            return Reply(status=401, body={"error": "invalid_client"})
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
    # The next poll: 49 min 36 s later (twice October's daily pace, catching up).
    await next_poll(hass, freezer, timedelta(minutes=50).total_seconds())

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


# --- a legacy entry when Smartcar turns v2 off, and its move to V3 ---------------------------


def _v2_gone(smartcar: SmartcarMock, status: int = 410) -> None:
    """Every v2 and per-user v3 call answers that the version is gone."""
    gone = (
        Reply(status=410, body={"error": "gone"})
        if status == 410
        else Reply(
            status=404,
            body={"type": "RESOURCE_NOT_FOUND", "code": "VERSION", "statusCode": 404},
        )
    )
    for method, url in list(smartcar.routes):
        if url.startswith((API, f"{API_V3}/vehicles")):
            smartcar.routes[method, url] = gone


async def _poll_when_due(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entry: MockConfigEntry
) -> None:
    due = entry.runtime_data.vehicles[EV_ID].car.poll.next_at
    assert due is not None
    freezer.move_to(due)
    await next_poll(hass, freezer, 1)


@pytest.mark.parametrize(
    "status", [410, 404], ids=["410", "RESOURCE_NOT_FOUND-VERSION"]
)
async def test_v2_gone_raises_a_fixable_repair_and_keeps_the_values(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    *,
    status: int,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(read_path="batch")
    await setup_entry(hass, entry)
    before = hass.states.get("sensor.tesla_model_3_battery").state

    _v2_gone(smartcar, status)
    await _poll_when_due(hass, freezer, entry)

    issue = ir.async_get(hass).async_get_issue(
        "smartcar", f"v2_retired_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.is_fixable
    assert hass.states.get("sensor.tesla_model_3_battery").state == before


async def test_the_repair_moves_the_entry_to_v3_keeping_its_entities(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    entry = make_entry(read_path="batch")
    await setup_entry(hass, entry)
    registry = er.async_get(hass)
    entities = {
        item.entity_id: item.unique_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    _v2_gone(smartcar)
    smartcar.routes["GET", f"{API_V3}/vehicles/{EV_ID}/signals"] = Reply(
        body=load_fixture("ev/signals.json")
    )
    await _poll_when_due(hass, freezer, entry)
    assert await async_setup_component(hass, "repairs", {})

    # What the repair's "Fix" button does in the UI.
    flows = repairs_flow_manager(hass)
    assert flows is not None
    started = await flows.async_init(
        "smartcar", data={"issue_id": f"v2_retired_{entry.entry_id}"}
    )
    refused = await flows.async_configure(
        started["flow_id"],
        {"api_client_id": API_CLIENT_ID, "api_client_secret": "wrong"},
    )
    assert refused["errors"] == {"base": "invalid_api_credentials"}
    assert entry.data.get("api_generation") is None
    done = await flows.async_configure(
        started["flow_id"],
        {"api_client_id": API_CLIENT_ID, "api_client_secret": API_CLIENT_SECRET},
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert done["type"] == "create_entry"
    assert entry.data["api_generation"] == "v3"
    assert entry.data["user_id"] == USER_ID
    assert entry.state is ConfigEntryState.LOADED
    assert {
        item.entity_id: item.unique_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    } == entities
    assert hass.states.get("sensor.tesla_model_3_battery").state == "76.0"
    # The next poll reads with the application token and the owner's id, never v2.
    v2_calls = len([c for c in smartcar.aioclient_mock.mock_calls if API in str(c[1])])
    await _poll_when_due(hass, freezer, entry)
    assert len([c for c in smartcar.aioclient_mock.mock_calls if API in str(c[1])]) == (
        v2_calls
    )
    reads = _headers(smartcar, f"{API_V3}/vehicles/{EV_ID}/signals")
    assert reads[-1]["sc-user-id"] == USER_ID
    assert reads[-1]["Authorization"].startswith("Bearer app-token-")


# --- webhooks of a V3 application -------------------------------------------------------------

MANAGEMENT_V3 = "https://management.api.smartcar.com/v3/subscriptions"


async def test_v3_cars_subscribe_through_the_v3_management_api(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock, v3: V3Smartcar
) -> None:
    smartcar.add_vehicle("ev")
    subscribed: list[Any] = []

    def subscribe(body: Any) -> Reply:
        subscribed.append(body)
        if len(subscribed) > 1:
            return Reply(status=409, body={"errors": [{"type": "CONFLICT"}]})
        return Reply(status=202, body={"meta": {"message": "in progress"}})

    smartcar.add_route("POST", MANAGEMENT_V3, subscribe)
    entry = v3_entry(management_token="amt-1", webhook_id="a1" * 32)
    # Smartcar's id of the webhook, learned from a signed VERIFY before.
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "smartcar_webhook_id": "5a8e5e38"}
    )

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    (body,) = subscribed
    assert body["data"]["attributes"] == {
        "webhookId": "5a8e5e38",
        "userId": USER_ID,
        "vehicleId": EV_ID,
    }
    headers = smartcar.calls("POST", MANAGEMENT_V3)[0][3]
    assert headers["Authorization"] == "Bearer app-token-1"
    assert entry.data["subscribed_vehicles"] == [EV_ID]


async def _v3_entry_subscribed(hass: HomeAssistant) -> MockConfigEntry:
    """A loaded V3 entry with webhooks on and the EV subscribed."""
    entry = v3_entry(management_token="amt-1", webhook_id="a1" * 32)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry,
        data={
            **entry.data,
            "smartcar_webhook_id": "5a8e5e38",
            "subscribed_vehicles": [EV_ID],
        },
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


@pytest.mark.parametrize("how", ["removed", "webhooks_off"])
async def test_a_v3_entry_unsubscribes_its_cars_through_the_v3_management_api(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
    how: str,
) -> None:
    smartcar.add_vehicle("ev")
    relationships = {
        "webhook": {"data": {"type": "webhook", "id": "5a8e5e38"}},
        "vehicle": {"data": {"type": "vehicle", "id": EV_ID}},
    }
    smartcar.add_route(
        "GET",
        MANAGEMENT_V3,
        Reply(
            body={
                "data": [
                    {"type": "subscription", "id": "sub-1", "attributes": {},
                     "relationships": relationships},
                ],
                "meta": {"pageNumber": 1, "pageSize": 100, "totalCount": 1},
            }
        ),
    )  # fmt: skip
    smartcar.add_route("DELETE", f"{MANAGEMENT_V3}/sub-1", Reply(status=204))
    entry = await _v3_entry_subscribed(hass)

    if how == "removed":
        await hass.config_entries.async_remove(entry.entry_id)
    else:
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {"read_path": "signals", "monthly_limit": 500, "min_poll_interval": 15,
             "webhooks_off": True},
        )  # fmt: skip
        assert "subscribed_vehicles" not in entry.data
    await hass.async_block_till_done(wait_background_tasks=True)

    (listing,) = smartcar.calls("GET", MANAGEMENT_V3)
    assert listing[1].query["filter[webhookId]"] == "5a8e5e38"
    assert listing[1].query["filter[vehicleId]"] == EV_ID
    assert listing[1].query["filter[userId]"] == USER_ID
    (delete,) = smartcar.calls("DELETE", f"{MANAGEMENT_V3}/sub-1")
    assert delete[3]["Authorization"].startswith("Bearer app-token-")
    # Nothing went to v2's webhook endpoints, nor with the management token.
    deletes = [c for c in smartcar.aioclient_mock.mock_calls if c[0] == "DELETE"]
    assert [str(c[1]) for c in deletes] == [f"{MANAGEMENT_V3}/sub-1"]


async def test_a_failed_v3_unsubscription_is_logged_without_its_token(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
    caplog: pytest.LogCaptureFixture,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_route("GET", MANAGEMENT_V3, v3_error(500, "SERVER", "INTERNAL"))
    entry = await _v3_entry_subscribed(hass)

    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert f"Could not unsubscribe Smartcar car {EV_ID}" in caplog.text
    assert "app-token-" not in caplog.text
    assert smartcar.calls("DELETE", f"{MANAGEMENT_V3}/sub-1") == []


async def test_a_push_for_another_user_of_the_application_changes_nothing(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    credentials: None,
    smartcar: SmartcarMock,
    v3: V3Smartcar,
) -> None:
    smartcar.add_vehicle("ev")
    entry = v3_entry(management_token=MANAGEMENT_TOKEN, webhook_id=WEBHOOK_ID)
    await setup_entry(hass, entry)
    battery = "sensor.tesla_model_3_battery"
    before = hass.states.get(battery).state

    stranger = vehicle_state(event_id="evt-other", battery=5)
    stranger["data"]["user"]["id"] = "another-owner"
    raw = encode(stranger)
    status, _text = await deliver(hass_client_no_auth, raw, sign(raw))
    assert status == 200
    assert hass.states.get(battery).state == before

    own = encode(vehicle_state(event_id="evt-own", battery=42))
    await deliver(hass_client_no_auth, own, sign(own))
    assert hass.states.get(battery).state == "42.0"
