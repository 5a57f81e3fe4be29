"""The OAuth token endpoint (HTTP Basic client credentials), the Management API and the origins."""

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs

from aiohttp import ClientSession
import pytest

from custom_components.smartcar.api import (
    OAuthError,
    Origins,
    ServerError,
    SmartcarAuth,
    SmartcarInvalidInputError,
    SmartcarManagement,
    SmartcarResponseError,
    basic_auth_header,
)
from custom_components.smartcar.api.models import Connection, Token

from .conftest import Canned, FakeSmartcar, Recorded

CLIENT_ID = "8229df9f-91a0-4ff0-a1ae-a1f38ee24d07"
CLIENT_SECRET = "5d8c3b1f-secret-5e0b"
REDIRECT_URI = "https://my.home-assistant.io/redirect/oauth"
ACCESS_TOKEN = "88704225-9f6c-4919-93e7-e0cec71317ca"
REFRESH_TOKEN = "60a9e801-6d1f-4ec6-b3b3-5e8f1e5c2a61"
TOKEN_ANSWER = {
    "access_token": ACCESS_TOKEN,
    "token_type": "Bearer",
    "expires_in": 7200,
    "refresh_token": REFRESH_TOKEN,
}
MANAGEMENT_TOKEN = "mgmt-2f1c3a7d"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def form(request: Recorded) -> dict[str, list[str]]:
    return parse_qs(request.body.decode(), keep_blank_values=True)


@pytest.fixture
def auth(session: ClientSession, smartcar: FakeSmartcar) -> SmartcarAuth:
    return SmartcarAuth(session, CLIENT_ID, CLIENT_SECRET, origins=smartcar.origins)


@pytest.fixture
def management(session: ClientSession, smartcar: FakeSmartcar) -> SmartcarManagement:
    return SmartcarManagement(session, MANAGEMENT_TOKEN, origins=smartcar.origins)


def test_basic_auth_header_is_base64_of_user_colon_password() -> None:
    assert basic_auth_header("client", "secret") == "Basic Y2xpZW50OnNlY3JldA=="
    assert basic_auth_header(CLIENT_ID, CLIENT_SECRET) == basic(
        CLIENT_ID, CLIENT_SECRET
    )


async def test_code_exchange_sends_credentials_in_basic_header_not_in_the_form(
    auth: SmartcarAuth, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("POST", "/auth/oauth/token", Canned(TOKEN_ANSWER))

    token = await auth.exchange_code("a1b2c3", REDIRECT_URI)

    assert token == Token(
        access_token=ACCESS_TOKEN,
        token_type="Bearer",
        expires_in=7200,
        refresh_token=REFRESH_TOKEN,
    )
    request = smartcar.only()
    assert request.headers["Authorization"] == basic(CLIENT_ID, CLIENT_SECRET)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(request) == {
        "grant_type": ["authorization_code"],
        "code": ["a1b2c3"],
        "redirect_uri": [REDIRECT_URI],
    }
    assert CLIENT_SECRET.encode() not in request.body


async def test_refresh_sends_the_refresh_token_grant(
    auth: SmartcarAuth, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("POST", "/auth/oauth/token", Canned(TOKEN_ANSWER))

    token = await auth.refresh("old-refresh-token")

    assert token.refresh_token == REFRESH_TOKEN
    request = smartcar.only()
    assert request.headers["Authorization"] == basic(CLIENT_ID, CLIENT_SECRET)
    assert form(request) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["old-refresh-token"],
    }


@pytest.mark.parametrize(
    ("status", "error", "description"),
    [
        (400, "invalid_grant", "Invalid or expired refresh token."),
        (401, "invalid_client", "Invalid client credentials."),
        (400, "invalid_request", None),
    ],
)
async def test_oauth_error_body_becomes_oauth_error_with_its_code(
    auth: SmartcarAuth,
    smartcar: FakeSmartcar,
    status: int,
    error: str,
    description: str | None,
) -> None:
    body = {"error": error} | (
        {"error_description": description} if description else {}
    )
    smartcar.reply("POST", "/auth/oauth/token", Canned(body, status=status))

    with pytest.raises(OAuthError) as caught:
        await auth.refresh("refresh-token")

    assert caught.value.code == error
    assert caught.value.status == status
    assert caught.value.description == (description or error)


async def test_token_endpoint_outage_is_a_server_error(
    auth: SmartcarAuth, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST", "/auth/oauth/token", Canned(text="upstream down", status=500)
    )

    with pytest.raises(ServerError):
        await auth.exchange_code("code", REDIRECT_URI)


@pytest.mark.parametrize(
    "body",
    [
        {"access_token": "a", "token_type": "Bearer", "refresh_token": "r"},
        {"access_token": "a", "expires_in": 7200},
        {"access_token": "", "expires_in": 7200, "refresh_token": "r"},
    ],
    ids=["no-expiry", "no-refresh-token", "empty-access-token"],
)
async def test_token_answer_missing_fields_is_a_response_error(
    auth: SmartcarAuth, smartcar: FakeSmartcar, body: object
) -> None:
    smartcar.reply("POST", "/auth/oauth/token", Canned(body))

    with pytest.raises(SmartcarResponseError):
        await auth.refresh("refresh-token")


async def test_token_type_defaults_to_bearer(
    auth: SmartcarAuth, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        "/auth/oauth/token",
        Canned({"access_token": "a", "expires_in": 7200.0, "refresh_token": "r"}),
    )

    token = await auth.refresh("refresh-token")

    assert (token.token_type, token.expires_in) == ("Bearer", 7200)


def test_token_and_auth_reprs_never_show_secrets(auth: SmartcarAuth) -> None:
    token = Token(
        access_token="secret-a",
        token_type="Bearer",
        expires_in=7200,
        refresh_token="secret-r",
    )

    assert "secret" not in repr(token)
    assert CLIENT_SECRET not in repr(auth)


async def test_auth_refuses_empty_inputs_before_sending(
    session: ClientSession, auth: SmartcarAuth, smartcar: FakeSmartcar
) -> None:
    with pytest.raises(SmartcarInvalidInputError):
        SmartcarAuth(session, "", CLIENT_SECRET, origins=smartcar.origins)
    with pytest.raises(SmartcarInvalidInputError):
        SmartcarAuth(session, CLIENT_ID, "", origins=smartcar.origins)
    with pytest.raises(SmartcarInvalidInputError):
        await auth.exchange_code("", REDIRECT_URI)
    with pytest.raises(SmartcarInvalidInputError):
        await auth.exchange_code("code", "")
    with pytest.raises(SmartcarInvalidInputError):
        await auth.refresh(" ")

    assert smartcar.requests == []


# --- Management API -------------------------------------------------------------------------------


async def test_connections_follow_the_cursor_with_basic_default_auth(
    management: SmartcarManagement, smartcar: FakeSmartcar
) -> None:
    pages = {
        None: (
            [
                {
                    "userId": "u1",
                    "vehicleId": "v1",
                    "connectedAt": "2024-01-01T00:00:00.000Z",
                    "mode": "live",
                },
                {
                    "userId": "u1",
                    "vehicleId": "v2",
                    "connectedAt": "2024-01-02T00:00:00.000Z",
                    "mode": "live",
                },
            ],
            "cursor-2",
        ),
        "cursor-2": (
            [
                {
                    "userId": "u2",
                    "vehicleId": "v3",
                    "connectedAt": None,
                    "mode": "simulated",
                }
            ],
            None,
        ),
    }

    def page(request: Recorded) -> Canned:
        items, cursor = pages[request.query.get("cursor")]
        return Canned({"connections": items, "paging": {"cursor": cursor}})

    smartcar.handle("GET", "/mgmt/v2.0/management/connections", page)

    connections = await management.list_connections()

    assert connections == (
        Connection(
            user_id="u1",
            vehicle_id="v1",
            connected_at=datetime(2024, 1, 1, tzinfo=UTC),
            mode="live",
        ),
        Connection(
            user_id="u1",
            vehicle_id="v2",
            connected_at=datetime(2024, 1, 2, tzinfo=UTC),
            mode="live",
        ),
        Connection(user_id="u2", vehicle_id="v3", connected_at=None, mode="simulated"),
    )
    assert [r.query for r in smartcar.requests] == [{}, {"cursor": "cursor-2"}]
    assert {r.headers["Authorization"] for r in smartcar.requests} == {
        basic("default", MANAGEMENT_TOKEN)
    }


async def test_connections_filter_and_stop_on_a_repeated_cursor(
    management: SmartcarManagement, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        "/mgmt/v2.0/management/connections",
        Canned(
            {
                "connections": [{"userId": "u1", "vehicleId": "v1"}],
                "paging": {"cursor": "same"},
            }
        ),
    )

    connections = await management.list_connections(vehicle_id="v1", user_id="u1")

    assert (
        connections
        == (Connection(user_id="u1", vehicle_id="v1", connected_at=None, mode=None),)
        * 2
    )
    assert [r.query for r in smartcar.requests] == [
        {"vehicle_id": "v1", "user_id": "u1"},
        {"vehicle_id": "v1", "user_id": "u1", "cursor": "same"},
    ]


async def test_delete_connections_of_one_vehicle(
    management: SmartcarManagement, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "DELETE",
        "/mgmt/v2.0/management/connections",
        Canned({"connections": [{"userId": "u1", "vehicleId": "v1"}]}),
    )

    deleted = await management.delete_connections(vehicle_id="v1")

    assert deleted == (
        Connection(user_id="u1", vehicle_id="v1", connected_at=None, mode=None),
    )
    request = smartcar.only()
    assert request.method == "DELETE"
    assert request.query == {"vehicle_id": "v1"}
    assert request.headers["Authorization"] == basic("default", MANAGEMENT_TOKEN)


@pytest.mark.parametrize(
    "answer",
    [Canned({"status": "success"}), Canned(text="", status=204)],
    ids=["json", "empty"],
)
async def test_unsubscribe_webhook_uses_the_management_token_as_bearer(
    management: SmartcarManagement, smartcar: FakeSmartcar, answer: Canned
) -> None:
    smartcar.reply("DELETE", "/api/v2.0/vehicles/v1/webhooks/wh1", answer)

    await management.unsubscribe_webhook("v1", "wh1")

    request = smartcar.only()
    assert request.method == "DELETE"
    assert request.headers["Authorization"] == f"Bearer {MANAGEMENT_TOKEN}"


async def test_management_refuses_bad_filters_before_sending(
    session: ClientSession, management: SmartcarManagement, smartcar: FakeSmartcar
) -> None:
    with pytest.raises(SmartcarInvalidInputError):
        await management.delete_connections()
    with pytest.raises(SmartcarInvalidInputError):
        await management.delete_connections(vehicle_id="v1", user_id="u1")
    with pytest.raises(SmartcarInvalidInputError):
        await management.delete_connections(user_id="")
    with pytest.raises(SmartcarInvalidInputError):
        await management.list_connections(vehicle_id="")
    with pytest.raises(SmartcarInvalidInputError):
        await management.unsubscribe_webhook("v1", "")
    with pytest.raises(SmartcarInvalidInputError):
        await management.unsubscribe_webhook("..", "wh1")
    with pytest.raises(SmartcarInvalidInputError):
        SmartcarManagement(session, "", origins=smartcar.origins)

    assert smartcar.requests == []
    assert MANAGEMENT_TOKEN not in repr(management)


@pytest.mark.parametrize(
    "body",
    [
        {"connections": [{"userId": "u1"}]},
        [],
        {"connections": [{"userId": "u1", "vehicleId": 5}]},
    ],
    ids=["item-without-vehicle", "array", "vehicle-number"],
)
async def test_connection_list_of_the_wrong_shape_is_a_response_error(
    management: SmartcarManagement, smartcar: FakeSmartcar, body: object
) -> None:
    smartcar.reply("GET", "/mgmt/v2.0/management/connections", Canned(body))

    with pytest.raises(SmartcarResponseError):
        await management.list_connections()


@pytest.mark.parametrize(
    "body", [{"connections": "all"}, "deleted"], ids=["text", "string-body"]
)
async def test_connection_delete_answer_of_the_wrong_shape_is_a_response_error(
    management: SmartcarManagement, smartcar: FakeSmartcar, body: object
) -> None:
    smartcar.reply("DELETE", "/mgmt/v2.0/management/connections", Canned(body))

    with pytest.raises(SmartcarResponseError):
        await management.delete_connections(user_id="u1")


# --- Origins --------------------------------------------------------------------------------------


def test_origins_default_to_smartcar() -> None:
    origins = Origins.from_environment({})

    assert origins == Origins(
        api="https://api.smartcar.com",
        api_v3="https://vehicle.api.smartcar.com",
        auth="https://auth.smartcar.com",
        connect="https://connect.smartcar.com",
        management="https://management.smartcar.com",
    )
    assert origins.authorize_url == "https://connect.smartcar.com/oauth/authorize"
    assert origins.token_url == "https://auth.smartcar.com/oauth/token"


def test_origins_read_the_sdk_environment_variables() -> None:
    origins = Origins.from_environment(
        {
            "SMARTCAR_API_ORIGIN": "http://localhost:8090/",
            "SMARTCAR_API_V3_ORIGIN": "http://localhost:8091",
            "SMARTCAR_AUTH_ORIGIN": "http://localhost:8092//",
            "SMARTCAR_CONNECT_ORIGIN": " http://localhost:8093 ",
            "SMARTCAR_MANAGEMENT_API_ORIGIN": "",
        }
    )

    assert origins == Origins(
        api="http://localhost:8090",
        api_v3="http://localhost:8091",
        auth="http://localhost:8092",
        connect="http://localhost:8093",
        management="https://management.smartcar.com",
    )


def test_origins_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCAR_AUTH_ORIGIN", "http://127.0.0.1:9999")

    assert Origins.from_environment().auth == "http://127.0.0.1:9999"


async def test_clients_take_their_origins_from_the_environment_by_default(
    session: ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMARTCAR_API_ORIGIN", "http://127.0.0.1:1")
    monkeypatch.setenv("SMARTCAR_MANAGEMENT_API_ORIGIN", "http://127.0.0.1:2")
    monkeypatch.setenv("SMARTCAR_AUTH_ORIGIN", "http://127.0.0.1:3")

    async def token() -> str:
        return "t"

    from custom_components.smartcar.api import SmartcarClient

    assert SmartcarClient(session, token).origins.api == "http://127.0.0.1:1"
    assert SmartcarManagement(session, "m").origins.management == "http://127.0.0.1:2"
    assert SmartcarAuth(session, "i", "s").origins.auth == "http://127.0.0.1:3"


@pytest.mark.parametrize(
    "origin",
    [
        "https://auth.example.org",
        "http://192.168.1.5:8092",
        "http://10.0.0.1",
        "http://localhost.example.org",
        "not a url",
    ],
)
def test_origins_off_this_machine_are_ignored(origin: str) -> None:
    origins = Origins.from_environment({"SMARTCAR_AUTH_ORIGIN": origin})

    assert origins.auth == "https://auth.smartcar.com"


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:9999", "http://127.3.2.1", "http://[::1]:8092"]
)
def test_origins_on_this_machine_are_taken(origin: str) -> None:
    assert Origins.from_environment({"SMARTCAR_IAM_ORIGIN": origin}).iam == origin
