"""Shared fixtures.

pytest-homeassistant-custom-component puts its own `custom_components` package on `sys.path`;
importing ours first (pythonpath = "." in pyproject) makes Home Assistant's loader find this
repository's integration.
"""

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
import inspect
import json
from pathlib import Path
import re
import sys
import time
from typing import Any
from unittest.mock import PropertyMock, patch

from aiohttp import ClientResponseError, RequestInfo
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.const import Platform, __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from multidict import CIMultiDict, CIMultiDictProxy
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from syrupy.assertion import SnapshotAssertion
from yarl import URL

import custom_components  # noqa: F401  - must come before Home Assistant looks for integrations

FIXTURES = Path(__file__).parent / "fixtures"

DOMAIN = "smartcar"
CLIENT_ID = "3f7c9a1e-client-id"
CLIENT_SECRET = "s3cr3t-client-secret-value"
ACCESS_TOKEN = "access-token-6f1d2e3c"
REFRESH_TOKEN = "refresh-token-9a8b7c6d"
API = "https://api.smartcar.com/v2.0"
API_V3 = "https://vehicle.api.smartcar.com/v3"
AUTHORIZE_URL = "https://connect.smartcar.com/oauth/authorize"
TOKEN_URL = "https://auth.smartcar.com/oauth/token"
USER_ID = json.loads((FIXTURES / "user.json").read_text())["id"]
# POST (subscribe) and DELETE (unsubscribe) `/vehicles/{id}/webhooks/{Smartcar's webhook id}`.
WEBHOOK_SUBSCRIPTION = re.compile(rf"^{re.escape(API)}/vehicles/[^/]+/webhooks/[^/?]+$")

VEHICLE_IDS = {
    model: json.loads((FIXTURES / model / "vehicle.json").read_text())["id"]
    for model in ("ev", "petrol", "phev")
}
EV_ID = VEHICLE_IDS["ev"]
PETROL_ID = VEHICLE_IDS["petrol"]
PHEV_ID = VEHICLE_IDS["phev"]
ALL_GROUPS = [
    "location",
    "odometer",
    "battery",
    "fuel",
    "security",
    "tires",
    "engine_oil",
    "diagnostics",
    "control_security",
    "control_charge",
    "control_navigation",
]
ALL_SCOPES: list[str] = json.loads((FIXTURES / "permissions.json").read_text())[
    "permissions"
]


def load_fixture(name: str) -> Any:
    """Read a Smartcar-shaped answer from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text())


def pytest_report_header() -> list[str]:
    """Print the versions the run used."""
    return [f"Home Assistant {ha_version}, Python {sys.version.split()[0]}"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom integrations in every test."""


# The instant every Home Assistant test starts at: two minutes after the fixtures' cars recorded
# their data, well inside a month, so no test meets a month end by chance. Tests of boundaries
# move the clock there on purpose.
FROZEN_NOW = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)


# Suites that run no Home Assistant of their own: the API client and the simulator talk to real
# sockets with real timeouts, the end-to-end tests start real processes.
_UNFROZEN_SUITES = frozenset({"api", "simulator", "e2e"})


@pytest.fixture(autouse=True)
def frozen_clock(request: pytest.FixtureRequest) -> None:
    """Freeze the clock of every Home Assistant test: none may read the wall clock."""
    suite = request.path.relative_to(Path(__file__).parent).parts[0]
    if suite in _UNFROZEN_SUITES:
        return
    freezer: FrozenDateTimeFactory = request.getfixturevalue("freezer")
    freezer.move_to(FROZEN_NOW)


@pytest.fixture(autouse=True)
def default_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Talk to Smartcar's real addresses (the simulator's variables must not leak in)."""
    for name in (
        "SMARTCAR_API_ORIGIN",
        "SMARTCAR_API_V3_ORIGIN",
        "SMARTCAR_AUTH_ORIGIN",
        "SMARTCAR_CONNECT_ORIGIN",
        "SMARTCAR_MANAGEMENT_API_ORIGIN",
        "SMARTCAR_IAM_ORIGIN",
        "SMARTCAR_MANAGEMENT_API_V3_ORIGIN",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """The owner's Smartcar application, entered as application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )


@dataclass
class Reply:
    """One HTTP answer of the fake Smartcar."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


# A route answers at once, or (async) when the test lets it, e.g. to overlap requests.
type Route = Reply | Callable[[Any], Reply] | Callable[[Any], Awaitable[Reply]]


class _Response(AiohttpClientMockResponse):
    """A mocked answer whose `raise_for_status` fails the way aiohttp's does.

    aiohttp puts the request, headers included, in the error's `request_info`; the stock mock
    puts a bare stand-in there, which would hide a credential that leaks through the error.
    """

    def __init__(self, *, request_headers: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._request_info = RequestInfo(
            self.url,
            self.method,
            CIMultiDictProxy(CIMultiDict(request_headers or {})),
            self.url,
        )

    def raise_for_status(self) -> None:
        if self.status >= 400:
            raise ClientResponseError(
                self._request_info, (), status=self.status, headers=self.headers
            )


class SmartcarMock:
    """Smartcar at the HTTP level, answering with the JSON in tests/fixtures.

    Each route can be replaced by a test (`routes[("GET", url)] = Reply(...)`); every request stays
    in `aioclient_mock.mock_calls`, so tests assert what was sent. Webhook subscriptions of the
    account's cars answer like Smartcar for any webhook id unless a test routes one URL itself.
    """

    def __init__(self, aioclient_mock: AiohttpClientMocker) -> None:
        self.aioclient_mock = aioclient_mock
        self.routes: dict[tuple[str, str], Route] = {}
        self.vehicles: dict[str, str] = {}
        for method in ("POST", "DELETE"):
            aioclient_mock.request(
                method, WEBHOOK_SUBSCRIPTION, side_effect=self._respond
            )
        self.add_route("GET", f"{API}/user", Reply(body=load_fixture("user.json")))
        self.add_route("GET", f"{API}/vehicles", self._vehicle_list)
        self.add_route("POST", TOKEN_URL, self._rotate_tokens)
        self.refreshes = 0

    def add_route(self, method: str, url: str, route: Route) -> None:
        if (method, url) not in self.routes:
            self.aioclient_mock.request(method, url, side_effect=self._respond)
        self.routes[method, url] = route

    def add_vehicle(self, model: str, *, scopes: list[str] | None = None) -> str:
        """Put a car of a fixture model on the account; return its id."""
        vehicle_id = VEHICLE_IDS[model]
        self.vehicles[vehicle_id] = model
        vehicle = f"{API}/vehicles/{vehicle_id}"
        granted = ALL_SCOPES if scopes is None else scopes
        self.add_route(
            "GET",
            f"{vehicle}/permissions",
            Reply(
                body={
                    "permissions": granted,
                    "paging": {"count": len(granted), "offset": 0},
                }
            ),
        )
        self.add_route(
            "GET", vehicle, Reply(body=load_fixture(f"{model}/vehicle.json"))
        )
        self.add_route(
            "GET",
            f"{API_V3}/vehicles/{vehicle_id}",
            Reply(body=load_fixture(f"{model}/vehicle_v3.json")),
        )
        self.add_route(
            "GET",
            f"{API_V3}/vehicles/{vehicle_id}/signals",
            Reply(body=load_fixture(f"{model}/signals.json")),
        )
        self.add_route("POST", f"{vehicle}/batch", self.batch_route(model))
        success = Reply(
            body={
                "status": "success",
                "message": "Successfully sent request to vehicle",
            }
        )
        for path in ("security", "charge", "charge/limit", "navigation/destination"):
            self.add_route("POST", f"{vehicle}/{path}", success)
        self.add_route(
            "GET",
            f"{vehicle}/service/history",
            Reply(body=load_fixture("service_history.json")),
        )
        return vehicle_id

    def remove_vehicle(self, vehicle_id: str) -> None:
        del self.vehicles[vehicle_id]

    @staticmethod
    def batch_route(model: str, **replace: dict[str, Any]) -> Callable[[Any], Reply]:
        """Answer a batch with the fixture's answers for exactly the paths asked."""
        answers = {
            item["path"]: item
            for item in load_fixture(f"{model}/batch.json")["responses"]
        }
        answers.update({path: {"path": path, **item} for path, item in replace.items()})

        def reply(body: Any) -> Reply:
            paths = [request["path"] for request in body["requests"]]
            return Reply(body={"responses": [answers[path] for path in paths]})

        return reply

    def _rotate_tokens(self, _form: Any) -> Reply:
        """The token endpoint: every refresh hands out a new pair."""
        self.refreshes += 1
        return Reply(
            body={
                "access_token": f"access-token-{self.refreshes}",
                "token_type": "Bearer",
                "expires_in": 7200,
                "refresh_token": f"refresh-token-{self.refreshes}",
            }
        )

    def _vehicle_list(self, _body: Any) -> Reply:
        ids = list(self.vehicles)
        return Reply(body={"vehicles": ids, "paging": {"count": len(ids), "offset": 0}})

    async def _respond(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        # The mocker recorded the request (with its headers) just before asking us.
        request_headers = self.aioclient_mock.mock_calls[-1][3]
        key = (method.upper(), str(url.with_query(None)))
        route = (
            self.routes[key] if key in self.routes else self._subscription(method, url)
        )
        reply = route(data) if callable(route) else route
        if inspect.isawaitable(reply):
            reply = await reply
        return _Response(
            method=method,
            url=url,
            status=reply.status,
            json=reply.body,
            headers=reply.headers,
            request_headers=request_headers,
        )

    def _subscription(self, method: str, url: URL) -> Reply:
        """Subscribe or unsubscribe one of the account's cars (`/vehicles/{id}/webhooks/{id}`)."""
        if not WEBHOOK_SUBSCRIPTION.match(str(url)):
            raise KeyError((method, str(url)))
        vehicle_id, webhook_id = url.parts[-3], url.parts[-1]
        if vehicle_id not in self.vehicles:
            return Reply(
                status=404, body={"type": "RESOURCE_NOT_FOUND", "code": "PATH"}
            )
        if method.upper() == "DELETE":
            return Reply(body={"status": "success"})
        return Reply(body={"webhookId": webhook_id, "vehicleId": vehicle_id})

    def calls(self, method: str, url: str) -> list[tuple[Any, Any, Any, Any]]:
        """Requests sent to one URL (any query)."""
        return [
            call
            for call in self.aioclient_mock.mock_calls
            if call[0].upper() == method and str(URL(call[1]).with_query(None)) == url
        ]

    def batch_paths(self, vehicle_id: str) -> list[list[str]]:
        """The paths of every batch sent for a car."""
        return [
            [request["path"] for request in call[2]["requests"]]
            for call in self.calls("POST", f"{API}/vehicles/{vehicle_id}/batch")
        ]


@pytest.fixture
def smartcar(aioclient_mock: AiohttpClientMocker) -> SmartcarMock:
    """Smartcar with no car yet; tests add the fixture cars they need."""
    return SmartcarMock(aioclient_mock)


def make_entry(
    *,
    read_path: str = "signals",
    groups: list[str] | None = None,
    expires_in: float = 400 * 24 * 3600,
    options: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """A config entry as the flow creates it (`data` adds what the integration stored since)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id=USER_ID,
        version=2,
        data={
            "auth_implementation": DOMAIN,
            "token": {
                "access_token": ACCESS_TOKEN,
                "refresh_token": REFRESH_TOKEN,
                "token_type": "Bearer",
                "expires_in": 7200,
                "expires_at": time.time() + expires_in,
            },
            "permissions": ALL_GROUPS if groups is None else groups,
            "mode": "live",
            **(data or {}),
        },
        options={
            "read_path": read_path,
            "monthly_limit": 500,
            "min_poll_interval": 15,
            **(options or {}),
        },
    )


@pytest.fixture
def config_entry() -> MockConfigEntry:
    """An entry reading with v3 signals and every permission."""
    return make_entry()


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add the entry to Home Assistant and set it up."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    # The cars' first polls run in the background.
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def platforms() -> list[Platform]:
    """Platforms to load (tests of one platform narrow it)."""
    return [
        Platform.BINARY_SENSOR,
        Platform.BUTTON,
        Platform.DEVICE_TRACKER,
        Platform.LOCK,
        Platform.NUMBER,
        Platform.SENSOR,
        Platform.SWITCH,
    ]


@pytest.fixture(autouse=True)
def only_platforms(platforms: list[Platform]) -> Generator[None]:
    """Load only the platforms a test asks for."""
    with patch("custom_components.smartcar.PLATFORMS", platforms):
        yield


@pytest.fixture
async def loaded_ev(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> MockConfigEntry:
    """A loaded entry with the battery-electric car, read with v3 signals."""
    smartcar.add_vehicle("ev")
    await setup_entry(hass, config_entry)
    return config_entry


def once(reply: Reply, then: Route) -> Callable[[Any], Reply]:
    """Answer `reply` to the first request and `then` to the rest."""
    calls = 0

    def route(body: Any) -> Reply:
        nonlocal calls
        calls += 1
        if calls == 1:
            return reply
        return then(body) if callable(then) else then

    return route


def v2_error(
    status: int, error_type: str, code: str | None = None, **extra: Any
) -> Reply:
    """A v2 error answer as Smartcar sends it."""
    body = {
        "type": error_type,
        "code": code,
        "description": f"{error_type} error",
        "docURL": "https://smartcar.com/docs/errors/api-errors",
        "statusCode": status,
        "requestId": "7c2e1d0a-1111-2222-3333-444455556666",
        "resolution": {"type": "RETRY_LATER"},
        "detail": None,
        **extra,
    }
    return Reply(status=status, body=body)


def v3_error(
    status: int, error_type: str, code: str | None = None, **extra: Any
) -> Reply:
    """A v3 (JSON:API) error answer."""
    error = {
        "status": str(status),
        "type": error_type,
        "code": code,
        "title": f"{error_type} error",
        "detail": "Something went wrong",
        **extra,
    }
    headers = (
        {"Retry-After": str(extra.pop("retry_after"))} if "retry_after" in extra else {}
    )
    error.pop("retry_after", None)
    return Reply(status=status, body={"errors": [error]}, headers=headers)


async def next_poll(hass: HomeAssistant, freezer: Any, seconds: float) -> None:
    """Let `seconds` pass and run what became due."""
    freezer.tick(seconds)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create the entities that are disabled by default enabled (snapshots show them all)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, under tests/snapshots/."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
