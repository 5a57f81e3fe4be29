"""Fixtures: a simulator on a manual clock, served in-process on 127.0.0.1."""

import base64
from collections.abc import Iterator
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiohttp import web
from aiohttp.test_utils import TestClient
import pytest
import pytest_socket

from simulator import ManualClock, Simulator, SimulatorConfig, create_app

type Client = TestClient[web.Request, web.Application]

REDIRECT_URI = "https://my.home-assistant.io/redirect/oauth"
ALL_SCOPE = (
    "read_vehicle_info read_vin read_location read_odometer read_fuel read_battery read_charge "
    "control_charge read_engine_oil read_tires read_security control_security "
    "control_navigation read_diagnostics read_service_history"
)


@pytest.fixture
def auto_enable_custom_integrations() -> None:
    """The simulator needs no Home Assistant: skip the repository-wide hass fixture."""


@pytest.fixture(autouse=True)
def loopback_sockets() -> Iterator[None]:
    """pytest-socket blocks sockets; the in-process servers need loopback (hosts stay limited)."""
    pytest_socket.enable_socket()
    yield
    pytest_socket.disable_socket(allow_unix_socket=True)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def config() -> SimulatorConfig:
    return SimulatorConfig()


@pytest.fixture
def sim(config: SimulatorConfig, clock: ManualClock, sleeps: list[float]) -> Simulator:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return Simulator(config, clock=clock, sleep=fake_sleep)


@pytest.fixture
async def client(sim: Simulator, aiohttp_client: Any) -> Client:
    result: Client = await aiohttp_client(create_app(sim))
    return result


CLIENT_SECRET = "sim-client-secret"


def basic(client_id: str = "sim-client-id", secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def authorize_params(scope: str = ALL_SCOPE, **extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "sim-client-id",
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "xyz",
        "mode": "simulated",
        **extra,
    }


def redirect_query(location: str) -> dict[str, str]:
    return {
        key: values[0] for key, values in parse_qs(urlparse(location).query).items()
    }


async def approve(
    client: Client, scope: str = ALL_SCOPE, vehicles: list[str] | None = None
) -> str:
    """Approve on Connect with plain HTTP; returns the authorization code."""
    params: list[tuple[str, str]] = list(authorize_params(scope).items())
    params += [("vehicle", vehicle_id) for vehicle_id in vehicles or []]
    response = await client.get(
        "/oauth/authorize/approve", params=params, allow_redirects=False
    )
    assert response.status == 302, await response.text()
    return redirect_query(response.headers["Location"])["code"]


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    body: dict[str, Any]


async def exchange(client: Client, code: str) -> Tokens:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
        },
        headers={"Authorization": basic()},
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    return Tokens(body["access_token"], body["refresh_token"], body)


async def connect(
    client: Client, scope: str = ALL_SCOPE, vehicles: list[str] | None = None
) -> Tokens:
    """Connect + code exchange: the tokens a client would hold."""
    return await exchange(client, await approve(client, scope, vehicles))


@pytest.fixture
async def tokens(client: Client) -> Tokens:
    return await connect(client)


@pytest.fixture
def headers(tokens: Tokens) -> dict[str, str]:
    return bearer(tokens.access_token)


# V3: application tokens and sc-user-id.

API_CLIENT_ID = "client_sim-api-client"
API_CLIENT_SECRET = "sec_sim-api-secret"
USER_ID = "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a"
EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "v3"


def example(name: str) -> Any:
    """A documented payload from ../shared/smartcar-v3-examples."""
    return json.loads((EXAMPLES / name).read_text())


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys of objects (recursively), the first list item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__ if value is not None else None


def keys_of(value: Any) -> Any:
    """Like ``shape`` but only the key structure (leaf types ignored)."""
    if isinstance(value, dict):
        return {key: keys_of(item) for key, item in value.items()}
    if isinstance(value, list):
        return [keys_of(value[0])] if value else []
    return "leaf"


async def application_token(client: Client) -> str:
    response = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": API_CLIENT_ID,
            "client_secret": API_CLIENT_SECRET,
        },
    )
    assert response.status == 200, await response.text()
    token: str = (await response.json())["access_token"]
    return token


def v3_headers(token: str, user_id: str | None = USER_ID) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if user_id is not None:
        headers["sc-user-id"] = user_id
    return headers


@pytest.fixture
async def app_headers(client: Client, tokens: Tokens) -> dict[str, str]:
    """An application token and the user id of a connected owner (every car)."""
    return v3_headers(await application_token(client))


def covers(actual: Any, documented: Any) -> bool:
    """Whether ``actual`` has every key ``documented`` has, recursively (extra keys allowed)."""
    if isinstance(documented, dict):
        return isinstance(actual, dict) and all(
            key in actual and covers(actual[key], value)
            for key, value in documented.items()
        )
    if isinstance(documented, list) and documented:
        return (
            isinstance(actual, list)
            and bool(actual)
            and covers(actual[0], documented[0])
        )
    return True
