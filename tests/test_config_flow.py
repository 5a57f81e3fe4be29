"""Config flow: permissions and mode, Smartcar Connect, the token request, reauth, reconfigure."""

import base64
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.components.cloud import CloudNotAvailable
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_entry_oauth2_flow
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import AiohttpClientMocker
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartcar.application_credentials import (
    async_get_description_placeholders,
)

from .conftest import (
    ACCESS_TOKEN,
    ALL_GROUPS,
    API,
    AUTHORIZE_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    DOMAIN,
    EV_ID,
    TOKEN_URL,
    USER_ID,
    Reply,
    SmartcarMock,
    make_entry,
    setup_entry,
)

REDIRECT_URI = "https://example.com/auth/external/callback"

pytestmark = pytest.mark.usefixtures("current_request_with_host", "credentials")


def _state(hass: HomeAssistant, flow_id: str) -> str:
    return config_entry_oauth2_flow._encode_jwt(
        hass, {"flow_id": flow_id, "redirect_uri": REDIRECT_URI}
    )


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


async def _start(hass: HomeAssistant, **choices: Any) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "permissions": ["battery", "security", "control_security"],
            "mode": "live",
            **choices,
        },
    )


async def _return_from_connect(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: ConfigFlowResult,
    query: str = "code=abcd",
) -> None:
    assert result["type"] is FlowResultType.EXTERNAL_STEP
    client = await hass_client_no_auth()
    response = await client.get(
        f"/auth/external/callback?{query}&state={_state(hass, result['flow_id'])}"
    )
    assert response.status == HTTPStatus.OK


async def _finish(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    result: ConfigFlowResult,
) -> ConfigFlowResult:
    """Come back from Connect with a code; the fake Smartcar's token endpoint answers."""
    await _return_from_connect(hass, hass_client_no_auth, result)
    return await hass.config_entries.flow.async_configure(result["flow_id"])


async def test_full_flow_asks_connect_for_the_chosen_scopes_and_mode(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    result = await _start(hass, mode="simulated")

    assert result["type"] is FlowResultType.EXTERNAL_STEP
    assert result["url"].startswith(AUTHORIZE_URL + "?")
    query = _query(result["url"])
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [REDIRECT_URI]
    assert query["state"] == [_state(hass, result["flow_id"])]
    assert query["mode"] == ["simulated"]
    assert query["scope"] == [
        "read_vehicle_info read_battery read_charge read_security control_security"
    ]
    assert "approval_prompt" not in query

    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Smartcar (simulated)"
    entry = result["result"]
    assert entry.unique_id == USER_ID
    assert entry.data["permissions"] == ["battery", "security", "control_security"]
    assert entry.data["mode"] == "simulated"
    assert entry.data["token"]["refresh_token"] == "refresh-token-1"
    assert entry.options == {
        "read_path": "signals",
        "monthly_limit": 500,
        "min_poll_interval": 15,
    }


async def test_token_request_sends_client_credentials_in_basic_header_only(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    result = await _start(hass)
    await _finish(hass, hass_client_no_auth, result)

    token_calls = [
        call for call in aioclient_mock.mock_calls if str(call[1]) == TOKEN_URL
    ]
    assert len(token_calls) == 1
    _method, _url, form, headers = token_calls[0]
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert headers["Authorization"] == f"Basic {expected}"
    assert form == {
        "grant_type": "authorization_code",
        "code": "abcd",
        "redirect_uri": REDIRECT_URI,
    }
    assert CLIENT_SECRET not in str(form)


async def test_token_request_refused_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    result = await _start(hass)
    await _return_from_connect(hass, hass_client_no_auth, result)
    aioclient_mock.post(
        TOKEN_URL,
        status=HTTPStatus.BAD_REQUEST,
        json={"error": "invalid_grant", "error_description": "Invalid code"},
    )

    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "oauth_failed"


async def test_same_account_twice_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    make_entry().add_to_hass(hass)
    smartcar.add_vehicle("ev")

    result = await _finish(hass, hass_client_no_auth, await _start(hass))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_account_without_cars_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    result = await _finish(hass, hass_client_no_auth, await _start(hass))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_vehicles"


async def test_smartcar_down_after_login_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    smartcar.routes["GET", f"{API}/user"] = Reply(
        status=500,
        body={
            "type": "SERVER",
            "code": "INTERNAL",
            "description": "Internal error",
            "statusCode": 500,
        },
    )

    result = await _finish(hass, hass_client_no_auth, await _start(hass))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_choosing_no_permission_shows_an_error(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": [], "mode": "live"}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"permissions": "no_permissions"}


def _default(result: ConfigFlowResult, field: str) -> Any:
    """The value a form field starts with: its suggested value, else its default."""
    for key in result["data_schema"].schema:
        if str(key) == field:
            if key.description and "suggested_value" in key.description:
                return key.description["suggested_value"]
            return key.default()
    raise KeyError(field)


async def test_form_shown_again_after_an_error_keeps_what_was_chosen(
    hass: HomeAssistant,
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": [], "mode": "simulated"}
    )

    assert result["step_id"] == "user"
    # Not every box ticked again: the form shows what the owner left.
    assert _default(result, "permissions") == []
    assert _default(result, "mode") == "simulated"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["fuel"]}
    )
    query = _query(result["url"])
    assert query["scope"] == ["read_vehicle_info read_fuel"]
    assert query["mode"] == ["simulated"]


async def test_two_credentials_are_picked_before_the_permissions(
    hass: HomeAssistant,
) -> None:
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential("second-client-id", "second-secret"), "second"
    )

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_implementation"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": "second"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["battery", "location"], "mode": "live"}
    )

    query = _query(result["url"])
    assert query["client_id"] == ["second-client-id"]
    assert query["scope"] == [
        "read_vehicle_info read_location read_battery read_charge"
    ]


async def test_flow_reads_nothing_billed_from_the_cars(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")

    # The entry is not set up here: every request below is the flow's own.
    with patch("custom_components.smartcar.async_setup_entry", return_value=True):
        result = await _finish(hass, hass_client_no_auth, await _start(hass))

    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Named after its cars once the setup knows their models; until then "Smartcar".
    assert result["title"] == "Smartcar"
    # Only the token and the unbilled account checks (/user, /vehicles): every billed request
    # is made by the setup, whose ledger counts it.
    assert sorted(
        (call[0].upper(), str(call[1].with_query(None)))
        for call in aioclient_mock.mock_calls
    ) == [("GET", f"{API}/user"), ("GET", f"{API}/vehicles"), ("POST", TOKEN_URL)]


@pytest.mark.parametrize(
    "error",
    [
        "access_denied",
        "vehicle_incompatible",
        "invalid_subscription",
        "no_vehicles",
        "configuration_error",
        "server_error",
        "user_manually_returned_to_application",
    ],
)
async def test_connect_error_redirect_ends_in_its_own_abort(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, error: str
) -> None:
    result = await _start(hass)
    await _return_from_connect(
        hass, hass_client_no_auth, result, f"error={error}&error_description=Something"
    )

    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == error


async def test_unknown_connect_error_uses_home_assistant_rejection(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    result = await _start(hass)
    await _return_from_connect(
        hass, hass_client_no_auth, result, "error=invalid_request"
    )

    result = await hass.config_entries.flow.async_configure(result["flow_id"])

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "user_rejected_authorize"
    assert result["description_placeholders"] == {"error": "invalid_request"}


async def test_connect_origin_follows_environment(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTCAR_CONNECT_ORIGIN", "http://127.0.0.1:8765/")

    result = await _start(hass)

    assert result["url"].startswith("http://127.0.0.1:8765/oauth/authorize?")


async def test_reauth_with_same_account_updates_tokens_and_permissions(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    entry = make_entry(groups=["battery"])
    entry.add_to_hass(hass)
    smartcar.add_vehicle("ev")

    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["battery", "location"]}
    )
    query = _query(result["url"])
    assert query["scope"] == [
        "read_vehicle_info read_location read_battery read_charge"
    ]
    assert query["approval_prompt"] == ["force"]
    assert query["mode"] == ["live"]

    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"]["refresh_token"] == "refresh-token-1"
    assert entry.data["permissions"] == ["battery", "location"]
    # The entry is set up again with the new token.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_with_other_account_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    entry = make_entry()
    entry.add_to_hass(hass)
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API}/user"] = Reply(body={"id": "another-user"})

    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["battery"]}
    )
    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_account_mismatch"
    assert entry.data["token"]["access_token"] == ACCESS_TOKEN


async def test_reconfigure_changes_permissions_and_mode(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    entry = make_entry(groups=["battery"])
    entry.add_to_hass(hass)
    smartcar.add_vehicle("ev")

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"permissions": ["fuel", "control_navigation"], "mode": "simulated"},
    )
    query = _query(result["url"])
    assert query["scope"] == ["read_vehicle_info read_fuel control_navigation"]
    assert query["mode"] == ["simulated"]
    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["permissions"] == ["fuel", "control_navigation"]
    assert entry.data["mode"] == "simulated"
    # The entry is set up again with what was chosen.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED


async def test_reconfigure_with_other_account_aborts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    smartcar: SmartcarMock,
) -> None:
    entry = make_entry(groups=["battery"])
    entry.add_to_hass(hass)
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API}/user"] = Reply(body={"id": "another-user"})

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["fuel"], "mode": "live"}
    )
    result = await _finish(hass, hass_client_no_auth, result)

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["permissions"] == ["battery"]


async def test_options_hold_read_path_and_polling_settings(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_ev.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"read_path": "batch", "monthly_limit": 1000.0, "min_poll_interval": 30.0},
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_ev.options == {
        "read_path": "batch",
        "monthly_limit": 1000,
        "min_poll_interval": 30,
    }
    runtime = loaded_ev.runtime_data
    assert runtime.policy.monthly_limit == 1000
    assert runtime.policy.min_interval.total_seconds() == 30 * 60
    assert runtime.read_path == "batch"


async def test_options_keep_the_entities_that_trigger_a_read(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    hass.states.async_set("person.owner", "home")
    result = await hass.config_entries.options.async_init(loaded_ev.entry_id)
    assert "read_triggers" in _fields(result)
    assert "read_triggers" not in _suggested(result)
    polling = {"read_path": "signals", "monthly_limit": 500, "min_poll_interval": 15}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**polling, "read_triggers": ["person.owner"]}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_ev.options == {**polling, "read_triggers": ["person.owner"]}
    result = await hass.config_entries.options.async_init(loaded_ev.entry_id)
    assert _suggested(result)["read_triggers"] == ["person.owner"]
    # Emptied: nothing triggers a read and nothing is stored.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**polling, "read_triggers": []}
    )
    await hass.async_block_till_done()
    assert loaded_ev.options == polling


async def test_options_refuse_the_integrations_own_entities_as_read_triggers(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    hass.states.async_set("person.owner", "home")
    result = await hass.config_entries.options.async_init(loaded_ev.entry_id)
    polling = {"read_path": "batch", "monthly_limit": 1000, "min_poll_interval": 30}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**polling, "read_triggers": ["person.owner", "sensor.tesla_model_3_battery"]},
    )

    # A read changes the battery sensor, which would trigger the next read: nothing saved.
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"read_triggers": "read_trigger_own_entity"}
    assert "read_triggers" not in loaded_ev.options
    assert loaded_ev.options["read_path"] == "signals"


MANAGEMENT_TOKEN = "amt-0123456789abcdef"
HOOK_ID = "a1" * 32
CLOUDHOOK_URL = "https://hooks.nabu.casa/c0ffee"


def _suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """What the form fills in for the owner (what the browser receives)."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


def _fields(result: ConfigFlowResult) -> set[str]:
    return {str(key) for key in result["data_schema"].schema}


async def _open_options(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ConfigFlowResult:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["description_placeholders"] == {
        "safety_hours": "24",
        "trigger_minutes": "2",
    }
    return result


async def _submit_options(
    hass: HomeAssistant, entry: MockConfigEntry, **choices: Any
) -> ConfigFlowResult:
    result = await _open_options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            "read_path": "signals",
            "monthly_limit": 500.0,
            "min_poll_interval": 15.0,
            **choices,
        },
    )
    # A new token is saved at once and the entry reloads while the next step shows.
    await hass.async_block_till_done()
    return result


async def _webhooks_on(
    hass: HomeAssistant, smartcar: SmartcarMock, **data: Any
) -> MockConfigEntry:
    smartcar.add_vehicle("ev")
    entry = make_entry(
        options={"management_token": MANAGEMENT_TOKEN, "webhook_id": HOOK_ID},
        data=data,
    )
    await setup_entry(hass, entry)
    return entry


async def test_new_token_is_saved_before_the_webhook_step_which_only_informs(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    await hass.config.async_update(external_url="https://home.example.org")

    result = await _submit_options(
        hass, loaded_ev, management_token=f"  {MANAGEMENT_TOKEN}  "
    )

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "webhook"
    assert result["data_schema"] is None
    # Saved already: the step that shows the address cannot lose the change.
    webhook_id = loaded_ev.options["webhook_id"]
    assert len(webhook_id) == 64
    assert loaded_ev.options == {
        "read_path": "signals",
        "monthly_limit": 500,
        "min_poll_interval": 15,
        "management_token": MANAGEMENT_TOKEN,
        "webhook_id": webhook_id,
    }
    assert result["description_placeholders"] == {
        "webhook_url": f"https://home.example.org/api/webhook/{webhook_id}",
        "dashboard_url": "https://dashboard.smartcar.com/team/applications",
    }
    await hass.async_block_till_done()
    # Pushes bring the data: polling becomes a safety poll.
    runtime = loaded_ev.runtime_data
    assert runtime.policy.safety_interval == timedelta(hours=24)

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_ev.options["management_token"] == MANAGEMENT_TOKEN
    # Not reloaded a second time: the step changed nothing.
    assert loaded_ev.runtime_data is runtime


async def test_closing_the_webhook_step_keeps_every_change(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    await hass.config.async_update(external_url="https://home.example.org")
    result = await _submit_options(
        hass,
        loaded_ev,
        read_path="batch",
        monthly_limit=2000.0,
        management_token=MANAGEMENT_TOKEN,
    )
    assert result["step_id"] == "webhook"

    # The X of the dialog.
    hass.config_entries.options.async_abort(result["flow_id"])
    await hass.async_block_till_done()

    assert loaded_ev.options["read_path"] == "batch"
    assert loaded_ev.options["monthly_limit"] == 2000
    assert loaded_ev.options["management_token"] == MANAGEMENT_TOKEN
    assert loaded_ev.runtime_data.read_path == "batch"
    assert loaded_ev.runtime_data.policy.safety_interval == timedelta(hours=24)


async def test_changing_only_the_read_path_with_webhooks_on_saves_at_once(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = await _webhooks_on(hass, smartcar)

    # The token field is left empty: the stored token stays.
    result = await _submit_options(hass, entry, read_path="batch")
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "read_path": "batch",
        "monthly_limit": 500,
        "min_poll_interval": 15,
        "management_token": MANAGEMENT_TOKEN,
        "webhook_id": HOOK_ID,
    }
    assert entry.runtime_data.read_path == "batch"


async def test_the_stored_token_is_never_sent_back_to_the_browser(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = await _webhooks_on(hass, smartcar, smartcar_webhook_id="sc-hook-1")

    result = await _open_options(hass, entry)

    assert _suggested(result) == {
        "read_path": "signals",
        "monthly_limit": 500,
        "min_poll_interval": 15,
        "smartcar_webhook_id": "sc-hook-1",
        "management_token": "",
    }
    # That a token is stored shows as the way to turn webhooks off.
    assert "webhooks_off" in _fields(result)
    assert MANAGEMENT_TOKEN not in repr(result)


async def test_without_a_stored_token_there_is_nothing_to_turn_off(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    result = await _open_options(hass, loaded_ev)

    assert "webhooks_off" not in _fields(result)
    assert _suggested(result)["management_token"] == ""


async def test_a_new_token_replaces_the_stored_one_and_keeps_the_address(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    await hass.config.async_update(external_url="https://home.example.org")
    entry = await _webhooks_on(hass, smartcar)

    result = await _submit_options(hass, entry, management_token="amt-new")

    assert result["step_id"] == "webhook"
    assert result["description_placeholders"]["webhook_url"].endswith(
        f"/api/webhook/{HOOK_ID}"
    )
    assert entry.options["webhook_id"] == HOOK_ID
    assert entry.options["management_token"] == "amt-new"


@pytest.mark.parametrize("token", [None, "", "   "], ids=["omitted", "empty", "blank"])
async def test_empty_token_field_keeps_webhooks_off(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, token: str | None
) -> None:
    choices = {} if token is None else {"management_token": token}

    result = await _submit_options(hass, loaded_ev, **choices)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_ev.options == {
        "read_path": "signals",
        "monthly_limit": 500,
        "min_poll_interval": 15,
    }


async def test_turning_webhooks_off_forgets_the_token_and_polls_again(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = await _webhooks_on(hass, smartcar)
    assert entry.runtime_data.policy.safety_interval == timedelta(hours=24)

    result = await _submit_options(hass, entry, webhooks_off=True)
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        "read_path": "signals",
        "monthly_limit": 500,
        "min_poll_interval": 15,
    }
    assert entry.runtime_data.policy.safety_interval is None


async def test_a_new_token_and_turning_off_at_once_is_refused(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = await _webhooks_on(hass, smartcar)

    result = await _submit_options(
        hass, entry, management_token="amt-new", webhooks_off=True, read_path="batch"
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"management_token": "token_while_turning_off"}
    # The owner's other choices stay; the typed token is not sent back.
    assert _suggested(result)["read_path"] == "batch"
    assert _suggested(result)["management_token"] == ""
    assert "amt-new" not in repr(result)
    assert entry.options["management_token"] == MANAGEMENT_TOKEN


@pytest.mark.parametrize(
    "urls",
    [
        {},
        {"internal_url": "http://192.168.1.20:8123"},
        {"external_url": "http://home.example.org:8123"},
    ],
    ids=["none", "internal_only", "external_without_https"],
)
async def test_webhook_step_says_when_smartcar_cannot_reach_home_assistant(
    hass: HomeAssistant, loaded_ev: MockConfigEntry, urls: dict[str, str]
) -> None:
    await hass.config.async_update(**urls)

    result = await _submit_options(hass, loaded_ev, management_token=MANAGEMENT_TOKEN)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "webhook_no_address"
    assert "webhook_url" not in result["description_placeholders"]
    # Saved all the same.
    assert loaded_ev.options["management_token"] == MANAGEMENT_TOKEN

    result = await hass.config_entries.options.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_webhook_step_shows_the_cloudhook_with_home_assistant_cloud(
    hass: HomeAssistant, loaded_ev: MockConfigEntry
) -> None:
    await hass.config.async_update(external_url="https://home.example.org")
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=True,
        ),
        patch(
            "homeassistant.components.cloud.async_get_or_create_cloudhook",
            return_value=CLOUDHOOK_URL,
        ) as create,
    ):
        result = await _submit_options(
            hass, loaded_ev, management_token=MANAGEMENT_TOKEN
        )

    assert result["step_id"] == "webhook"
    assert result["description_placeholders"]["webhook_url"] == CLOUDHOOK_URL
    create.assert_awaited_once_with(hass, loaded_ev.options["webhook_id"])


@pytest.mark.parametrize(
    ("active", "error"),
    [(False, None), (True, CloudNotAvailable)],
    ids=["no_subscription", "cloud_not_connected"],
)
async def test_webhook_step_falls_back_to_the_external_url_without_cloud(
    hass: HomeAssistant,
    loaded_ev: MockConfigEntry,
    active: bool,
    error: type[Exception] | None,
) -> None:
    await hass.config.async_update(external_url="https://home.example.org")
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=active,
        ),
        patch(
            "homeassistant.components.cloud.async_get_or_create_cloudhook",
            side_effect=error,
        ),
    ):
        result = await _submit_options(
            hass, loaded_ev, management_token=MANAGEMENT_TOKEN
        )

    assert result["description_placeholders"]["webhook_url"] == (
        f"https://home.example.org/api/webhook/{loaded_ev.options['webhook_id']}"
    )


@pytest.mark.parametrize("error", [None, CloudNotAvailable, ValueError])
async def test_turning_webhooks_off_removes_the_cloudhook(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    error: type[Exception] | None,
) -> None:
    entry = await _webhooks_on(hass, smartcar)
    hass.config.components.add("cloud")
    with patch(
        "homeassistant.components.cloud.async_delete_cloudhook", side_effect=error
    ) as delete:
        result = await _submit_options(hass, entry, webhooks_off=True)
        await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    delete.assert_awaited_once_with(hass, HOOK_ID)
    assert "management_token" not in entry.options


async def test_credentials_dialog_shows_redirect_uri_and_dashboard(
    hass: HomeAssistant,
) -> None:
    placeholders = await async_get_description_placeholders(hass)

    assert placeholders["redirect_uri"] == "https://my.home-assistant.io/redirect/oauth"
    assert placeholders["dashboard_url"].startswith("https://dashboard.smartcar.com")


async def test_submitting_the_first_form_unchanged_asks_for_everything_live(
    hass: HomeAssistant,
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})

    query = _query(result["url"])
    assert query["mode"] == ["live"]
    assert query["scope"] == [
        "read_vehicle_info read_location read_odometer read_battery read_charge "
        "read_fuel read_security read_tires read_engine_oil read_diagnostics "
        "read_service_history control_security control_charge control_navigation"
    ]


async def test_control_permission_asks_for_the_state_it_controls_too(
    hass: HomeAssistant,
) -> None:
    """A lock or charging switch shows a state: without its read scope it would never appear."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["control_security", "control_charge"]}
    )

    assert _query(result["url"])["scope"] == [
        "read_vehicle_info control_security read_security control_charge read_charge"
    ]


@pytest.mark.parametrize("source", ["reauth", "reconfigure"])
async def test_new_login_asks_again_what_cars_could_not_do(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    source: str,
) -> None:
    smartcar.add_vehicle("ev")
    # The car refused its oil path once; the owner logs in again (maybe granting more).
    smartcar.routes["POST", f"{API}/vehicles/{EV_ID}/batch"] = smartcar.batch_route(
        "ev", **{"/engine/oil": {"code": 403, "body": {"type": "PERMISSION"}}}
    )
    entry = make_entry(read_path="batch")
    await setup_entry(hass, entry)
    assert "/engine/oil" in entry.runtime_data.vehicles[EV_ID].car.profile.denied
    smartcar.routes["POST", f"{API}/vehicles/{EV_ID}/batch"] = smartcar.batch_route(
        "ev"
    )

    if source == "reauth":
        result = await entry.start_reauth_flow(hass)
        choices: dict[str, Any] = {"permissions": ALL_GROUPS}
    else:
        result = await entry.start_reconfigure_flow(hass)
        choices = {"permissions": ALL_GROUPS, "mode": "live"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], choices)
    result = await _finish(hass, hass_client_no_auth, result)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.ABORT
    profile = entry.runtime_data.vehicles[EV_ID].car.profile
    # The make, model and year stay; what the car refused is asked again.
    assert profile.attributes is not None
    assert profile.denied == frozenset()
    due = entry.runtime_data.vehicles[EV_ID].car.poll.next_at
    assert due is not None
    freezer.move_to(due)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert "/engine/oil" in smartcar.batch_paths(EV_ID)[-1]


@pytest.mark.parametrize("source", ["reauth", "reconfigure"])
async def test_new_login_starts_from_the_permissions_granted_before(
    hass: HomeAssistant, source: str
) -> None:
    entry = make_entry(groups=["battery", "control_charge"])
    entry.add_to_hass(hass)

    if source == "reauth":
        result = await entry.start_reauth_flow(hass)
    else:
        result = await entry.start_reconfigure_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == {"reauth": "reauth_confirm"}.get(source, source)
    # What was left unticked stays unticked.
    assert _default(result, "permissions") == ["battery", "control_charge"]


async def test_reauth_uses_the_credentials_that_exist_when_its_own_were_removed(
    hass: HomeAssistant,
) -> None:
    entry = make_entry(data={"auth_implementation": "removed-credentials"})
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)

    # The only credentials left are used; the permissions are asked once they are known.
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"permissions": ["battery"]}
    )
    assert _query(result["url"])["client_id"] == [CLIENT_ID]
