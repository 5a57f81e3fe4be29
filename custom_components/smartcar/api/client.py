"""The async Smartcar client (v2.0, batch, v3 signals, OAuth token, Management API).

Knows nothing of Home Assistant: it gets an `aiohttp.ClientSession` and an async callable returning
a valid access token, and always asks for metric units.

`SmartcarClient` is one class made of its parts: `client_v2` (reads), `client_v2_commands`,
`client_v3` (vehicle, signals, connections) and `client_v3_commands`, over `client_core`; requests
go through `transport`. `SmartcarAuth` is in `oauth`, `SmartcarManagement` in `management`; every
name is re-exported here.
"""

import asyncio
from collections.abc import Callable
import time

import aiohttp

from .client_core import UNIT_SYSTEM, USER_ID_HEADER, Sleep
from .client_v2 import BATCH_PATHS, PAGE_SIZE, SERVICE_HISTORY_PARAMS, V2Endpoints
from .client_v2_commands import CHARGE_LIMIT_RANGE, V2Commands
from .client_v3 import (
    CONNECTION_FILTERS,
    CONNECTIONS_PAGE_SIZE,
    SIGNALS_PAGE_SIZE,
    V3Endpoints,
)
from .client_v3_commands import (
    CHARGE_LIMIT_PERCENT_RANGE,
    COMMAND_POLL_SECONDS,
    COMMAND_WAIT_SECONDS,
    V3Commands,
)
from .management import MANAGEMENT_PARAMS, SmartcarManagement
from .oauth import SmartcarAuth
from .origins import Origins, basic_auth_header
from .transport import (
    API_V3_VERSION,
    API_VERSION,
    MAX_PAGES,
    RejectableTokenProvider,
    TokenProvider,
    _required,
    _Transport,
    link_on,
    next_page,
    send_authorized,
)


class SmartcarClient(V2Endpoints, V2Commands, V3Endpoints, V3Commands):
    """Smartcar Vehicle API client for one user or one application (one token source).

    v2 calls use a per-user Connect token. v3 calls (signals, commands) also name the
    Smartcar user in the `sc-user-id` header: the user this client is bound to (`user_id=`,
    `for_user`), or a per-call `user_id=` that takes precedence. Without either the header is
    left out (a per-user Connect token carries its user; an application token then gets
    `400 VALIDATION:MISSING_PARAMETER`).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        get_access_token: TokenProvider,
        *,
        origins: Origins | None = None,
        timeout: float = 310,
        user_id: str | None = None,
        command_wait: float = COMMAND_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Use `session` for every request and `get_access_token()` before each one.

        `command_wait` bounds how long a 202 command is followed; `clock` (monotonic seconds)
        and `sleep` measure and spend that time (tests inject both).
        """
        self._session = session
        self._timeout_seconds = timeout
        self._transport = _Transport(session, timeout)
        self._get_access_token = get_access_token
        self.origins = origins or Origins.from_environment()
        self.user_id = None if user_id is None else _required("user_id", user_id)
        self._command_wait = command_wait
        self._clock = clock
        self._sleep = sleep

    def __repr__(self) -> str:
        """Name the origin and the bound user (an id, not a secret); never a token."""
        return (
            f"SmartcarClient(api_v3={self.origins.api_v3!r}, user_id={self.user_id!r})"
        )

    def for_user(self, user_id: str) -> SmartcarClient:
        """Return the same client (session, token source, origins) bound to one user."""
        return SmartcarClient(
            self._session,
            self._get_access_token,
            origins=self.origins,
            timeout=self._timeout_seconds,
            user_id=user_id,
            command_wait=self._command_wait,
            clock=self._clock,
            sleep=self._sleep,
        )


__all__ = [
    "API_V3_VERSION",
    "API_VERSION",
    "BATCH_PATHS",
    "CHARGE_LIMIT_PERCENT_RANGE",
    "CHARGE_LIMIT_RANGE",
    "COMMAND_POLL_SECONDS",
    "COMMAND_WAIT_SECONDS",
    "CONNECTIONS_PAGE_SIZE",
    "CONNECTION_FILTERS",
    "MANAGEMENT_PARAMS",
    "MAX_PAGES",
    "PAGE_SIZE",
    "SERVICE_HISTORY_PARAMS",
    "SIGNALS_PAGE_SIZE",
    "UNIT_SYSTEM",
    "USER_ID_HEADER",
    "Origins",
    "RejectableTokenProvider",
    "Sleep",
    "SmartcarAuth",
    "SmartcarClient",
    "SmartcarManagement",
    "TokenProvider",
    "basic_auth_header",
    "link_on",
    "next_page",
    "send_authorized",
]
