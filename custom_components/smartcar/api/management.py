"""`SmartcarManagement`: the v2 Management API (connections) and unsubscribing from webhooks."""

from typing import Final

import aiohttp
from yarl import URL

from . import _json as j
from .errors import SmartcarInvalidInputError
from .models import Connection
from .origins import Origins, basic_auth_header
from .parsers import parse_connection
from .transport import (
    API_VERSION,
    MAX_PAGES,
    _Answer,
    _required,
    _segment,
    _shape_checked,
    _Transport,
    _url,
)

# Query parameters of the Management API's connection list.
MANAGEMENT_PARAMS: Final = {
    "vehicle_id": "vehicle_id",
    "user_id": "user_id",
    "cursor": "cursor",
}


class SmartcarManagement:
    """The Management API (Basic `default:<management token>`) and unsubscribing from webhooks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        management_token: str,
        *,
        origins: Origins | None = None,
        timeout: float = 60,
    ) -> None:
        """Keep the management token; it only ever travels in the `Authorization` header."""
        token = _required("management_token", management_token)
        self._authorization = basic_auth_header("default", token)
        # Unsubscribing from a webhook takes the same token as a bearer, on the vehicle API.
        self._bearer_authorization = f"Bearer {token}"
        self._transport = _Transport(session, timeout)
        self.origins = origins or Origins.from_environment()

    def __repr__(self) -> str:
        """Never show the token."""
        return f"SmartcarManagement(origin={self.origins.management!r})"

    def _connections_url(self, vehicle_id: str | None, user_id: str | None) -> URL:
        url = _url(self.origins.management, API_VERSION, "management", "connections")
        query: dict[str, str] = {}
        if vehicle_id is not None:
            query[MANAGEMENT_PARAMS["vehicle_id"]] = _required("vehicle_id", vehicle_id)
        if user_id is not None:
            query[MANAGEMENT_PARAMS["user_id"]] = _required("user_id", user_id)
        return url.update_query(query) if query else url

    async def _send(self, method: str, url: URL) -> _Answer:
        headers = {"Authorization": self._authorization, "Accept": "application/json"}
        return await self._transport.send(method, url, headers=headers)

    async def unsubscribe_webhook(self, vehicle_id: str, webhook_id: str) -> None:
        """DELETE {api}/v2.0/vehicles/{id}/webhooks/{webhookId} (`Bearer <management token>`)."""
        url = _url(
            self.origins.api,
            API_VERSION,
            "vehicles",
            _segment("vehicle_id", vehicle_id),
            "webhooks",
            _segment("webhook_id", webhook_id),
        )
        headers = {
            "Authorization": self._bearer_authorization,
            "Accept": "application/json",
        }
        await self._transport.send("DELETE", url, headers=headers, allow_empty=True)

    async def list_connections(
        self, *, vehicle_id: str | None = None, user_id: str | None = None
    ) -> tuple[Connection, ...]:
        """GET /v2.0/management/connections, every page (follows `paging.cursor`)."""
        url = self._connections_url(vehicle_id, user_id)
        connections: list[Connection] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page_url = (
                url.update_query({MANAGEMENT_PARAMS["cursor"]: cursor})
                if cursor
                else url
            )
            answer = await self._send("GET", page_url)
            with _shape_checked(answer, "connections"):
                body = j.as_object(answer.body, "connections")
                items = j.opt_list(body, "connections") or ()
                connections.extend(parse_connection(item) for item in items)
                paging = j.opt_object(body, "paging")
                cursor = j.opt_str(paging, "cursor") if paging else None
            if not cursor or not items or cursor in seen:
                break
            seen.add(cursor)
        return tuple(connections)

    async def delete_connections(
        self, *, vehicle_id: str | None = None, user_id: str | None = None
    ) -> tuple[Connection, ...]:
        """DELETE /v2.0/management/connections for one vehicle or one user (exactly one filter)."""
        if (vehicle_id is None) == (user_id is None):
            raise SmartcarInvalidInputError("give exactly one of vehicle_id or user_id")
        answer = await self._send("DELETE", self._connections_url(vehicle_id, user_id))
        with _shape_checked(answer, "connections"):
            body = j.as_object(answer.body, "connections")
            return tuple(
                parse_connection(item) for item in j.opt_list(body, "connections") or ()
            )
