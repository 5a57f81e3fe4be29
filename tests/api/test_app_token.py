"""V3 application tokens: every documented request and answer shape, caching, renewal, secrets."""

import asyncio
import base64
import json
import logging
from urllib.parse import parse_qs

from aiohttp import ClientSession
import pytest

from custom_components.smartcar.api import (
    ApplicationTokenSource,
    ApplicationTokenSources,
    AuthenticationError,
    OAuthError,
    SmartcarClient,
    SmartcarInvalidInputError,
    SmartcarResponseError,
    TokenRequestStyle,
)

from .conftest import Canned, FakeSmartcar, Recorded
from .examples import example

TOKEN_PATH = "/iam/oauth2/token"
CLIENT_ID = "client_01JZ8W2S5Q"
CLIENT_SECRET = "sec_01JZ8W2S5Q-very-secret"
APP_TOKEN = "app-token-4f2b9c"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def source(
    session: ClientSession,
    smartcar: FakeSmartcar,
    clock: FakeClock,
    style: TokenRequestStyle = TokenRequestStyle.FORM,
) -> ApplicationTokenSource:
    return ApplicationTokenSource(
        session,
        CLIENT_ID,
        CLIENT_SECRET,
        style=style,
        origins=smartcar.origins,
        clock=clock,
    )


def answer(token: str = APP_TOKEN, expires_in: object = 3600) -> Canned:
    return Canned(
        {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
    )


def form(request: Recorded) -> dict[str, list[str]]:
    return parse_qs(request.body.decode(), keep_blank_values=True)


async def test_form_body_is_the_default_as_in_the_docs_examples_s3(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    smartcar.reply("POST", TOKEN_PATH, answer())

    token = await source(session, smartcar, clock).get_token()

    assert token == APP_TOKEN
    request = smartcar.only()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in request.headers
    assert form(request) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }


async def test_json_body_as_the_openapi_auth_yaml_t1(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    smartcar.reply("POST", TOKEN_PATH, answer())

    await source(session, smartcar, clock, TokenRequestStyle.JSON).get_token()

    request = smartcar.only()
    assert request.headers["Content-Type"].startswith("application/json")
    assert "Authorization" not in request.headers
    assert json.loads(request.body) == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }


async def test_basic_header_and_only_the_grant_in_the_form_h1(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    smartcar.reply("POST", TOKEN_PATH, answer())

    await source(session, smartcar, clock, TokenRequestStyle.BASIC).get_token()

    request = smartcar.only()
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert form(request) == {"grant_type": ["client_credentials"]}


async def test_documented_answer_s4_parses_to_its_values(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    documented = example("token-client-credentials-response.json")
    smartcar.reply("POST", TOKEN_PATH, Canned(documented))
    tokens = source(session, smartcar, clock)

    assert await tokens.get_token() == "{access_token}"
    # Valid for the documented hour: no second request until the margin before it ends.
    clock.now += 3600 - 301
    assert await tokens.get_token() == "{access_token}"
    assert tokens.requests == 1


@pytest.mark.parametrize(
    ("body", "lifetime"),
    [
        ({"access_token": APP_TOKEN, "expires_in": 3600}, 3600),
        (
            {"access_token": APP_TOKEN, "token_type": "bearer", "expires_in": "1800"},
            1800,
        ),
        ({"access_token": APP_TOKEN, "token_type": "Bearer"}, 3600),
    ],
    ids=["no-token-type", "lifetime-as-text", "no-lifetime-means-the-documented-hour"],
)
async def test_answer_variants_s3_token_type_typically_bearer(
    session: ClientSession,
    smartcar: FakeSmartcar,
    clock: FakeClock,
    body: dict[str, object],
    lifetime: int,
) -> None:
    smartcar.reply("POST", TOKEN_PATH, Canned(body))
    tokens = source(session, smartcar, clock)

    assert await tokens.get_token() == APP_TOKEN
    clock.now += lifetime - 301
    await tokens.get_token()
    assert tokens.requests == 1
    clock.now += 2
    await tokens.get_token()
    assert tokens.requests == 2


@pytest.mark.parametrize(
    "body",
    [{"token_type": "Bearer"}, {"access_token": APP_TOKEN, "expires_in": 0}],
    ids=["no-token", "zero-lifetime"],
)
async def test_answer_without_a_usable_token_is_a_response_error(
    session: ClientSession,
    smartcar: FakeSmartcar,
    clock: FakeClock,
    body: dict[str, object],
) -> None:
    smartcar.reply("POST", TOKEN_PATH, Canned(body))

    with pytest.raises(SmartcarResponseError):
        await source(session, smartcar, clock).get_token()


async def test_token_is_renewed_before_expiry_by_the_margin(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    smartcar.reply("POST", TOKEN_PATH, answer("first"), answer("second"))
    tokens = source(session, smartcar, clock)

    assert await tokens.get_token() == "first"
    clock.now += 3600 - 300  # exactly at the margin: renew
    assert await tokens.get_token() == "second"
    assert tokens.requests == 2


async def test_invalidate_after_a_401_renews_once_and_keeps_a_newer_token(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    smartcar.reply("POST", TOKEN_PATH, answer("first"), answer("second"))
    tokens = source(session, smartcar, clock)
    rejected = await tokens.get_token()

    tokens.invalidate(rejected)
    assert await tokens.get_token() == "second"
    # A second caller that saw the same rejected token must not throw the new one away.
    tokens.invalidate(rejected)
    assert await tokens.get_token() == "second"
    assert tokens.requests == 2


async def test_ten_concurrent_callers_make_exactly_one_token_request(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    hold = asyncio.Event()
    smartcar.reply(
        "POST",
        TOKEN_PATH,
        Canned(
            {"access_token": APP_TOKEN, "token_type": "Bearer", "expires_in": 3600},
            wait=hold,
        ),
    )
    tokens = source(session, smartcar, clock)

    callers = [asyncio.create_task(tokens()) for _ in range(10)]
    await smartcar.arrived.wait()
    hold.set()
    results = await asyncio.gather(*callers)

    assert results == [APP_TOKEN] * 10
    assert len(smartcar.requests) == 1


async def test_callers_queued_behind_a_refused_request_share_its_error(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    hold = asyncio.Event()
    smartcar.reply(
        "POST",
        TOKEN_PATH,
        Canned(
            {
                "error": "invalid_client",
                "error_description": "Invalid client_id or client_secret",
            },
            status=401,
            wait=hold,
        ),
    )
    tokens = source(session, smartcar, clock)

    callers = [asyncio.create_task(tokens()) for _ in range(10)]
    await smartcar.arrived.wait()
    hold.set()
    results = await asyncio.gather(*callers, return_exceptions=True)

    assert all(isinstance(result, OAuthError) for result in results)
    assert len(smartcar.requests) == 1
    # A later call tries again.
    with pytest.raises(OAuthError):
        await tokens()
    assert len(smartcar.requests) == 2


@pytest.mark.parametrize(
    ("status", "code"), [(400, "invalid_request"), (401, "invalid_client")]
)
async def test_documented_token_errors_s3_are_oauth_errors_without_the_secret(
    session: ClientSession,
    smartcar: FakeSmartcar,
    *,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    status: int,
    code: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    smartcar.reply(
        "POST",
        TOKEN_PATH,
        Canned({"error": code, "error_description": "refused"}, status=status),
    )
    tokens = source(session, smartcar, clock, TokenRequestStyle.BASIC)

    with pytest.raises(OAuthError) as raised:
        await tokens.get_token()

    assert (raised.value.status, raised.value.code) == (status, code)
    encoded = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    for text in (str(raised.value), repr(raised.value), caplog.text):
        assert CLIENT_SECRET not in text
        assert encoded not in text


async def test_secret_and_token_never_appear_in_reprs_or_logs(
    session: ClientSession,
    smartcar: FakeSmartcar,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    smartcar.reply("POST", TOKEN_PATH, answer())
    tokens = source(session, smartcar, clock)
    sources = ApplicationTokenSources(session, origins=smartcar.origins, clock=clock)
    sources.get(CLIENT_ID, CLIENT_SECRET)

    await tokens.get_token()

    texts = [repr(tokens), str(tokens), repr(sources), repr(tokens._token), caplog.text]
    for text in texts:
        assert CLIENT_SECRET not in text
        assert APP_TOKEN not in text


def test_one_source_per_set_of_credentials(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    sources = ApplicationTokenSources(session, origins=smartcar.origins, clock=clock)

    first = sources.get(CLIENT_ID, CLIENT_SECRET)

    assert sources.get(CLIENT_ID, CLIENT_SECRET) is first
    assert sources.get(CLIENT_ID, "sec_rotated") is not first
    assert sources.get("client_other", CLIENT_SECRET) is not first


def test_empty_credentials_are_refused_before_any_request(
    session: ClientSession, smartcar: FakeSmartcar
) -> None:
    with pytest.raises(SmartcarInvalidInputError):
        ApplicationTokenSource(session, CLIENT_ID, "", origins=smartcar.origins)
    assert smartcar.requests == []


async def test_the_source_is_the_token_callable_of_the_v3_client(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    smartcar.reply("POST", TOKEN_PATH, answer())
    smartcar.reply(
        "GET", "/v3api/v3/vehicles/car-1/signals", Canned({"data": [], "meta": {}})
    )
    tokens = source(session, smartcar, clock)
    client = SmartcarClient(session, tokens, origins=smartcar.origins)

    await client.get_signals("car-1", user_id="user-1")
    await client.get_signals("car-1", user_id="user-1")

    reads = [request for request in smartcar.requests if request.method == "GET"]
    assert [request.headers["Authorization"] for request in reads] == [
        f"Bearer {APP_TOKEN}"
    ] * 2
    assert tokens.requests == 1


async def test_a_401_from_the_api_makes_the_next_call_renew_once(
    session: ClientSession, smartcar: FakeSmartcar, clock: FakeClock
) -> None:
    smartcar.reply("POST", TOKEN_PATH, answer("first"), answer("second"))
    smartcar.reply(
        "GET",
        "/v3api/v3/vehicles/car-1/signals",
        Canned(
            {"errors": [{"status": "401", "code": "unauthorized"}]},
            status=401,
        ),
        Canned({"data": [], "meta": {}}),
    )
    tokens = source(session, smartcar, clock)
    client = SmartcarClient(session, tokens, origins=smartcar.origins)

    with pytest.raises(AuthenticationError):
        await client.get_signals("car-1", user_id="user-1")
    await client.get_signals("car-1", user_id="user-1")

    reads = [request for request in smartcar.requests if request.method == "GET"]
    # Refused once, not repeated by the client; the next read carries the renewed token.
    assert [request.headers["Authorization"] for request in reads] == [
        "Bearer first",
        "Bearer second",
    ]
    assert tokens.requests == 2
