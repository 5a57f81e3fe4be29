"""Which cars and permissions Smartcar supports, by region and make (the SDKs' compatibility).

`GET /v2.0/compatibility/matrix?region=…&make=…&scope=…&type=…` with the application's client
credentials in an HTTP Basic header answers, per make, the models with the years, the powertrain
and the permissions Smartcar supports for them (Smartcar's "by region and make" reference; the
Node SDK's `getCompatibilityMatrix`). Plans that do not include it answer with an error: callers
treat any failure as "no hint".
"""

from collections.abc import Iterable
from dataclasses import dataclass

import aiohttp

from . import _json as j
from .origins import Origins, basic_auth_header
from .transport import _parse, _required, _Transport, _url

API_VERSION = "v2.0"
# Regions Smartcar documents for the matrix.
REGIONS = frozenset({"US", "CA", "EUROPE"})


@dataclass(frozen=True, slots=True, kw_only=True)
class CompatibleModel:
    """One model line of a make, and what Smartcar supports for it."""

    make: str
    model: str
    start_year: int | None
    end_year: int | None
    powertrain: str | None
    endpoints: tuple[str, ...]
    permissions: frozenset[str]

    def covers(self, model: str | None, year: int | None) -> bool:
        """Return whether a car of `model` and `year` belongs to this line."""
        if model is None:
            return False
        if not _simple(model) & _simple(self.model):
            return False
        if year is None:
            return True
        low = self.start_year if self.start_year is not None else year
        high = self.end_year if self.end_year is not None else year
        return low <= year <= high


def _simple(text: str) -> set[str]:
    """Spellings of a model to compare: "Model 3" is Smartcar's "3" in the matrix too."""
    words = " ".join(text.lower().split())
    return {words, words.removeprefix("model ")}


def parse_compatibility_matrix(body: j.JsonObject) -> tuple[CompatibleModel, ...]:
    """`{MAKE: [{model, startYear, endYear, type, endpoints, permissions}]}`."""
    models: list[CompatibleModel] = []
    for make, rows in body.items():
        for item in j.as_list(rows, make):
            row = j.as_object(item, f"{make}[]")
            models.append(
                CompatibleModel(
                    make=make,
                    model=j.req_str(row, "model"),
                    start_year=j.opt_int(row, "startYear"),
                    end_year=j.opt_int(row, "endYear"),
                    powertrain=j.opt_str(row, "type"),
                    endpoints=tuple(
                        str(endpoint) for endpoint in j.opt_list(row, "endpoints") or ()
                    ),
                    permissions=frozenset(
                        str(scope) for scope in j.opt_list(row, "permissions") or ()
                    ),
                )
            )
    return tuple(models)


class SmartcarCompatibility:
    """The compatibility matrix, asked with the application's client credentials."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        origins: Origins | None = None,
        timeout: float = 30,
    ) -> None:
        """Keep the credentials; they only ever travel in the `Authorization` header."""
        self._authorization = basic_auth_header(
            _required("client_id", client_id), _required("client_secret", client_secret)
        )
        self._transport = _Transport(session, timeout)
        self.origins = origins or Origins.from_environment()

    def __repr__(self) -> str:
        """Never show the credentials."""
        return f"SmartcarCompatibility(api={self.origins.api!r})"

    async def get_matrix(
        self,
        region: str,
        *,
        make: str | None = None,
        scope: Iterable[str] = (),
        powertrain: str | None = None,
    ) -> tuple[CompatibleModel, ...]:
        """Return the models Smartcar supports in `region` (US, CA or EUROPE)."""
        query: dict[str, str] = {"region": _required("region", region)}
        if make:
            query["make"] = make.lower()
        if scopes := " ".join(scope):
            query["scope"] = scopes
        if powertrain:
            query["type"] = powertrain
        url = _url(self.origins.api, API_VERSION, "compatibility", "matrix").with_query(
            query
        )
        answer = await self._transport.send(
            "GET",
            url,
            headers={
                "Authorization": self._authorization,
                "Accept": "application/json",
            },
        )
        return _parse(
            answer,
            "compatibility matrix",
            lambda body, _meta: parse_compatibility_matrix(body),
        )
