"""The shared core of `SmartcarClient`: its state, how v2 and v3 requests are sent, their URLs."""

from collections.abc import Awaitable, Callable
from typing import Final

import aiohttp
from yarl import URL

from . import _json as j
from .origins import Origins
from .transport import (
    API_V3_VERSION,
    API_VERSION,
    TokenProvider,
    _Answer,
    _required,
    _segment,
    _Transport,
    _url,
    link_on,
    next_page,
    send_authorized,
)

UNIT_SYSTEM: Final = "metric"
# The header naming the Smartcar user on v3 signals and commands (an application token has none).
USER_ID_HEADER: Final = "sc-user-id"


type Sleep = Callable[[float], Awaitable[None]]


class _ClientCore:
    """What every part of `SmartcarClient` shares: its state, the v2/v3 senders and URLs."""

    origins: Origins
    user_id: str | None
    _session: aiohttp.ClientSession
    _timeout_seconds: float
    _transport: _Transport
    _get_access_token: TokenProvider
    _command_wait: float
    _clock: Callable[[], float]
    _sleep: Sleep

    def _user(self, user_id: str | None) -> str | None:
        """Pick the `sc-user-id`: the per-call user, else the bound one, else none."""
        if user_id is not None:
            return _required("user_id", user_id)
        return self.user_id

    # --- plumbing ---

    async def _v2(
        self,
        method: str,
        url: URL,
        *,
        json_body: object = None,
        allow_empty: bool = False,
    ) -> _Answer:
        headers = {"sc-unit-system": UNIT_SYSTEM, "Accept": "application/json"}
        return await send_authorized(
            self._transport,
            self._get_access_token,
            method,
            url,
            headers=headers,
            json_body=json_body,
            allow_empty=allow_empty,
        )

    async def _v3(
        self,
        url: URL,
        *,
        method: str = "GET",
        user_id: str | None = None,
        json_body: object = None,
        allow_empty: bool = False,
    ) -> _Answer:
        """One v3 request; `user_id` (already resolved) goes in `sc-user-id`."""
        headers = {"Accept": "application/json"}
        if user_id is not None:
            headers[USER_ID_HEADER] = user_id
        return await send_authorized(
            self._transport,
            self._get_access_token,
            method,
            url,
            headers=headers,
            json_body=json_body,
            allow_empty=allow_empty,
        )

    def _v2_url(self, *segments: str) -> URL:
        return _url(self.origins.api, API_VERSION, *segments)

    def _vehicle_url(self, vehicle_id: str, *segments: str) -> URL:
        return self._v2_url("vehicles", _segment("vehicle_id", vehicle_id), *segments)

    def _v3_vehicle_url(self, vehicle_id: str, *segments: str) -> URL:
        return _url(
            self.origins.api_v3,
            API_V3_VERSION,
            "vehicles",
            _segment("vehicle_id", vehicle_id),
            *segments,
        )

    def _next_page(self, current: URL, body: j.JsonObject) -> URL | None:
        """`links.next` when it stays on the v3 origin, else the next page by `meta` counts."""
        return next_page(current, body, self.origins.api_v3)

    def _v3_link(self, link: str) -> URL | None:
        """Resolve a link of a v3 answer on the v3 origin; None when it points elsewhere."""
        return link_on(self.origins.api_v3, link)
