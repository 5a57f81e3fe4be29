"""The v3 reads of `SmartcarClient`: the vehicle, its signals and the application's connections."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Final

from yarl import URL

from . import _json as j
from .client_core import _ClientCore
from .models import Connection, StateResult, VehicleAttributes
from .parsers import parse_connection_v3, parse_vehicle_attributes
from .signals import parse_signals
from .transport import (
    API_V3_VERSION,
    MAX_PAGES,
    _Answer,
    _parse,
    _required,
    _segment,
    _shape_checked,
    _url,
)

# The largest v3 page (`pageSize`): every page is a request the quota may be billed for.
SIGNALS_PAGE_SIZE: Final = 100
# The largest JSON:API page of /connections (3P: 100), and its query names.
CONNECTIONS_PAGE_SIZE: Final = 100
CONNECTION_FILTERS: Final = {
    "user_id": "filter[userId]",
    "vehicle_id": "filter[vehicleId]",
    "mode": "filter[vehicle.mode]",
    "external_user_id": "filter[user.externalId]",
}


class V3Endpoints(_ClientCore):
    """The v3 reads of `SmartcarClient`: vehicle, signals (`sc-user-id`) and connections."""

    async def get_vehicle_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> VehicleAttributes:
        """GET v3 /vehicles/{id}: make, model, year, powertrainType, mode.

        The resource does not require `sc-user-id` [S18], [T1]; a client that knows its user
        sends it all the same, so every vehicle call names the owner it is made for.
        """
        answer = await self._v3(
            self._v3_vehicle_url(vehicle_id), user_id=self._user(user_id)
        )
        return _parse(answer, "vehicle", parse_vehicle_attributes)

    async def get_signals(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> StateResult:
        """GET v3 /vehicles/{id}/signals, every page, mapped through signals.SIGNALS.

        Asks for the largest page Smartcar allows: every page is a request the car's monthly
        quota may be billed for, and a car's signals fit in one page of 100. Sends
        `sc-user-id` (see the class).
        """
        user = self._user(user_id)
        url = self._v3_vehicle_url(vehicle_id, "signals").with_query(
            pageSize=SIGNALS_PAGE_SIZE
        )
        first, items, next_url = await self._signals_page(url, user)
        seen = {url}
        while next_url is not None and next_url not in seen and len(seen) < MAX_PAGES:
            seen.add(next_url)
            _answer, more, next_url = await self._signals_page(next_url, user)
            items += more
        return replace(self._signals_result(items, first), billed_requests=len(seen))

    async def _signals_page(
        self, url: URL, user_id: str | None
    ) -> tuple[_Answer, tuple[object, ...], URL | None]:
        """One page of signals and the URL of the next page (None after the last)."""
        answer = await self._v3(url, user_id=user_id)
        with _shape_checked(answer, "signals"):
            body = j.as_object(answer.body, "signals")
            page = tuple(j.as_list(body.get("data"), "data"))
            next_url = self._next_page(url, body) if page else None
        return answer, page, next_url

    async def get_signal(
        self, vehicle_id: str, code: str, *, user_id: str | None = None
    ) -> StateResult:
        """GET v3 /vehicles/{id}/signals/{code}: one signal (an error signal lands in `errors`)."""
        answer = await self._v3(
            self._v3_vehicle_url(vehicle_id, "signals", _segment("code", code)),
            user_id=self._user(user_id),
        )
        with _shape_checked(answer, "signal"):
            body = j.as_object(answer.body, "signal")
        return self._signals_result([j.opt_object(body, "data") or body], answer)

    def _signals_result(self, items: Sequence[object], answer: _Answer) -> StateResult:
        with _shape_checked(answer, "signals"):
            result = parse_signals(items, answer.meta)
        if result.meta.data_age is None and result.state.data_age is not None:
            result = replace(
                result, meta=replace(result.meta, data_age=result.state.data_age)
            )
        return result

    async def list_connections_v3(
        self,
        *,
        user_id: str | None = None,
        vehicle_id: str | None = None,
        mode: str | None = None,
        external_user_id: str | None = None,
    ) -> tuple[Connection, ...]:
        """GET v3 /connections, every page, filtered as documented (`filter[userId]`, ...).

        Smartcar's default mode filter is `live`: pass `mode="simulated"` for simulated cars.
        """
        filters = {
            CONNECTION_FILTERS[name]: _required(name, value)
            for name, value in (
                ("user_id", user_id),
                ("vehicle_id", vehicle_id),
                ("mode", mode),
                ("external_user_id", external_user_id),
            )
            if value is not None
        }
        url = _url(self.origins.api_v3, API_V3_VERSION, "connections").update_query(
            {**filters, "page[number]": 1, "page[size]": CONNECTIONS_PAGE_SIZE}
        )
        connections: list[Connection] = []
        seen: set[URL] = set()
        next_url: URL | None = url
        while next_url is not None and next_url not in seen and len(seen) < MAX_PAGES:
            seen.add(next_url)
            answer = await self._v3(next_url)
            with _shape_checked(answer, "connections"):
                body = j.as_object(answer.body, "connections")
                items = j.as_list(body.get("data"), "data")
                connections.extend(parse_connection_v3(item) for item in items)
                next_url = self._next_page(next_url, body) if items else None
        return tuple(connections)

    async def get_connection_v3(self, connection_id: str) -> Connection:
        """GET v3 /connections/{connectionId} (the connection's id, not the vehicle's)."""
        url = _url(
            self.origins.api_v3,
            API_V3_VERSION,
            "connections",
            _segment("connection_id", connection_id),
        )
        answer = await self._v3(url)
        with _shape_checked(answer, "connection"):
            body = j.as_object(answer.body, "connection")
            return parse_connection_v3(j.opt_object(body, "data") or body)
