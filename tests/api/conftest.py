"""A real local HTTP server that plays Smartcar with canned, Smartcar-shaped answers.

Every request is recorded (method, path, query, headers, body) so tests can check exactly what the
client sent, including that nothing was sent at all. All seven origins point at the same server under
different path prefixes, so a request sent to the wrong origin finds no route.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
import json
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict
import pytest
import pytest_socket

from custom_components.smartcar.api import Origins, SmartcarClient

PREFIXES = {
    "api": "/api",
    "api_v3": "/v3api",
    "auth": "/auth",
    "connect": "/connect",
    "management": "/mgmt",
    "iam": "/iam",
    "management_v3": "/mgmt3",
}


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: CIMultiDict[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Canned:
    """One answer: JSON (or raw text), a status and headers."""

    json: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    wait: asyncio.Event | None = None


type Handler = Callable[[Recorded], Canned]


class FakeSmartcar:
    """Routes (method, path) to canned answers or handlers, and records every request."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: dict[tuple[str, str], list[Canned] | Handler] = {}
        self.release = asyncio.Event()
        # Set when the first request arrives (tests that hold an answer wait for it).
        self.arrived = asyncio.Event()
        self.origins = Origins()

    def reply(self, method: str, path: str, *answers: Canned) -> None:
        """Answer `method path` with these answers in turn (the last one repeats)."""
        self._routes[(method, path)] = list(answers)

    def handle(self, method: str, path: str, handler: Handler) -> None:
        """Answer `method path` with whatever `handler(request)` returns."""
        self._routes[(method, path)] = handler

    def only(self) -> Recorded:
        """The one request the test expected."""
        assert len(self.requests) == 1, [(r.method, r.path) for r in self.requests]
        return self.requests[0]

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        recorded = Recorded(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers=CIMultiDict(request.headers),
            body=await request.read(),
        )
        self.requests.append(recorded)
        self.arrived.set()
        route = self._routes.get((request.method, request.path))
        if route is None:
            return web.Response(
                status=599, text=f"no route for {request.method} {request.path}"
            )
        if callable(route):
            canned = route(recorded)
        else:
            canned = route.pop(0) if len(route) > 1 else route[0]
        if canned.wait is not None:
            await asyncio.wait_for(canned.wait.wait(), timeout=5)
        if canned.text is not None:
            return web.Response(
                status=canned.status,
                text=canned.text,
                headers=canned.headers,
                reason="Canned",
            )
        return web.json_response(
            canned.json, status=canned.status, headers=canned.headers, reason="Canned"
        )


@pytest.fixture(autouse=True)
def allow_local_sockets(socket_enabled: None) -> None:
    """The fake Smartcar is a real server on 127.0.0.1; nothing else may be reached."""
    pytest_socket.socket_allow_hosts(["127.0.0.1"])


@pytest.fixture
async def smartcar() -> AsyncIterator[FakeSmartcar]:
    """A running fake Smartcar with the client's origins pointing at it."""
    fake = FakeSmartcar()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.dispatch)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    fake.origins = Origins(**{name: base + prefix for name, prefix in PREFIXES.items()})
    try:
        yield fake
    finally:
        fake.release.set()
        await server.close()


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    """A plain aiohttp session, as Home Assistant would inject."""
    async with ClientSession() as client_session:
        yield client_session


class TokenSource:
    """An async access-token callable that hands out a new token on every call."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        return f"access-token-{self.calls}"


@pytest.fixture
def tokens() -> TokenSource:
    return TokenSource()


@pytest.fixture
def client(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> SmartcarClient:
    """The client under test, pointed at the fake Smartcar."""
    return SmartcarClient(session, tokens, origins=smartcar.origins)


type Call = Callable[[SmartcarClient], Awaitable[object]]
