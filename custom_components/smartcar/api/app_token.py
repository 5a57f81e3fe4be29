"""V3 application tokens: the client-credentials grant, cached and renewed once for everyone.

`POST https://iam.smartcar.com/oauth2/token` with the application's *API credentials* (a
`client_…` id and its secret, not the Connect Application ID) answers
`{access_token, token_type: "Bearer", expires_in: 3600}`: one token for the whole application,
valid one hour, no refresh token (SMARTCAR_V3.md §2.1). Sources disagree on how the credentials
travel (§6 question 3), so each documented way is a `TokenRequestStyle`; the form body of the
docs' examples is the default.

`ApplicationTokenSource` is an async token callable (`TokenProvider`) for `SmartcarClient`: it asks
for a token only when it has none or the one it has is within `renew_margin` of expiry, and many
concurrent callers share one request. The secret and the tokens never appear in a repr, a log line
or an exception's text.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
import hashlib
import logging
import time
from typing import Final

import aiohttp
from yarl import URL

from . import _json as j
from .errors import SmartcarError
from .origins import Origins, basic_auth_header
from .transport import _parse, _required, _Transport

_LOGGER = logging.getLogger(__name__)

# The documented lifetime, used when an answer leaves `expires_in` out.
DEFAULT_LIFETIME: Final = 3600
# Renew this long before expiry (3P Homebridge renews 5 minutes early, SMARTCAR_V3.md §2.1).
DEFAULT_RENEW_MARGIN: Final = 300.0

type Clock = Callable[[], float]


class TokenRequestStyle(StrEnum):
    """How the client credentials travel to the token endpoint (SMARTCAR_V3.md §2.1)."""

    # `application/x-www-form-urlencoded` grant_type, client_id, client_secret: the docs'
    # curl/Node/Python examples [S3], [S4].
    FORM = "form"
    # The same three fields as a JSON body: the rendered OpenAPI block and auth.yaml [S3], [T1].
    JSON = "json"
    # `Authorization: Basic base64(id:secret)` plus form grant_type: 3P Homebridge [H1].
    BASIC = "basic"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationToken:
    """One application token and when (on the source's clock) it must be renewed by."""

    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    obtained_at: float

    @property
    def expires_at(self) -> float:
        """Clock reading at which Smartcar stops accepting the token."""
        return self.obtained_at + self.expires_in

    def __repr__(self) -> str:
        """Never show the token."""
        return (
            f"ApplicationToken(token_type={self.token_type!r}, "
            f"expires_in={self.expires_in!r})"
        )


def parse_application_token(body: j.JsonObject, obtained_at: float) -> ApplicationToken:
    """Read `{access_token, token_type, expires_in}` (no refresh token in this grant).

    `token_type` is "typically Bearer" [S3] (missing means Bearer); `expires_in` may come as a
    number or a numeric string, and missing means the documented hour.
    """
    raw_lifetime = body.get("expires_in")
    if isinstance(raw_lifetime, str) and raw_lifetime.strip().isdigit():
        lifetime: int | None = int(raw_lifetime.strip())
    else:
        lifetime = j.opt_int(body, "expires_in")
    if lifetime is None:
        lifetime = DEFAULT_LIFETIME
    if lifetime <= 0:
        raise j.ShapeError("expires_in: a positive lifetime is required")
    return ApplicationToken(
        access_token=j.req_str(body, "access_token"),
        token_type=j.opt_str(body, "token_type") or "Bearer",
        expires_in=lifetime,
        obtained_at=obtained_at,
    )


class ApplicationTokenSource:
    """The application token of one set of API credentials, renewed before it expires.

    Await the source itself (or `get_token`) for a valid access token. After a request was
    refused with 401, call `invalidate(rejected_token)`: the next caller renews, once, however
    many callers saw the same rejected token.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        style: TokenRequestStyle = TokenRequestStyle.FORM,
        origins: Origins | None = None,
        clock: Clock = time.monotonic,
        renew_margin: float = DEFAULT_RENEW_MARGIN,
        timeout: float = 60,
    ) -> None:
        """Keep the credentials; `clock` is a monotonic reading in seconds."""
        self._client_id = _required("client_id", client_id)
        self._client_secret = _required("client_secret", client_secret)
        self._style = TokenRequestStyle(style)
        self._transport = _Transport(session, timeout)
        self.origins = origins or Origins.from_environment()
        self._clock = clock
        self._renew_margin = renew_margin
        self._token: ApplicationToken | None = None
        self._lock = asyncio.Lock()
        # Callers that queued behind a failed request share its error instead of each retrying.
        self._finished = 0
        self._last_error: SmartcarError | None = None
        # Token requests sent: a diagnostic counter (never a secret).
        self.requests = 0

    def __repr__(self) -> str:
        """Show where tokens come from and how; never the secret or a token."""
        return (
            f"ApplicationTokenSource(token_url={self.origins.application_token_url!r}, "
            f"style={self._style.value!r})"
        )

    @property
    def style(self) -> TokenRequestStyle:
        """How the credentials are sent."""
        return self._style

    async def __call__(self) -> str:
        """Return a valid access token (a `TokenProvider`)."""
        return await self.get_token()

    async def get_token(self) -> str:
        """Return the cached token, or renew it (one request for all concurrent callers)."""
        token = self._token
        if token is not None and self._fresh(token):
            return token.access_token
        finished_before = self._finished
        async with self._lock:
            token = self._token
            if token is not None and self._fresh(token):
                return token.access_token
            if self._finished != finished_before and self._last_error is not None:
                # The request this caller queued behind failed just now: do not repeat it.
                raise self._last_error
            try:
                token = await self._request()
            except SmartcarError as err:
                self._last_error = err
                raise
            finally:
                self._finished += 1
            self._last_error = None
            self._token = token
            return token.access_token

    def invalidate(self, rejected_token: str) -> None:
        """Forget `rejected_token` (Smartcar answered 401 to it); a newer token is kept."""
        token = self._token
        if token is not None and token.access_token == rejected_token:
            self._token = None

    def _fresh(self, token: ApplicationToken) -> bool:
        # A margin larger than half the lifetime would renew on every call.
        margin = min(self._renew_margin, token.expires_in / 2)
        return self._clock() < token.expires_at - margin

    async def _request(self) -> ApplicationToken:
        grant = {"grant_type": "client_credentials"}
        credentials = {
            "client_id": self._client_id,
            "client_secret": self._client_secret,
        }
        headers: dict[str, str] = {"Accept": "application/json"}
        form: Mapping[str, str] | None = None
        json_body: object = None
        match self._style:
            case TokenRequestStyle.FORM:
                form = grant | credentials
            case TokenRequestStyle.JSON:
                json_body = grant | credentials
            case TokenRequestStyle.BASIC:
                headers["Authorization"] = basic_auth_header(
                    self._client_id, self._client_secret
                )
                form = grant
        started = self._clock()
        self.requests += 1
        _LOGGER.debug("requesting an application token (%s)", self._style.value)
        answer = await self._transport.send(
            "POST",
            URL(self.origins.application_token_url),
            headers=headers,
            form=form,
            json_body=json_body,
        )
        return _parse(
            answer,
            "application token",
            lambda body, _meta: parse_application_token(body, started),
        )


class ApplicationTokenSources:
    """One `ApplicationTokenSource` per set of API credentials (entries sharing an app share it)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        style: TokenRequestStyle = TokenRequestStyle.FORM,
        origins: Origins | None = None,
        clock: Clock = time.monotonic,
        renew_margin: float = DEFAULT_RENEW_MARGIN,
    ) -> None:
        """Keep what every source is built with."""
        self._session = session
        self._style = style
        self._origins = origins
        self._clock = clock
        self._renew_margin = renew_margin
        self._sources: dict[tuple[str, str], ApplicationTokenSource] = {}

    def __repr__(self) -> str:
        """Count the sources; never name a credential."""
        return f"ApplicationTokenSources(sources={len(self._sources)})"

    def get(self, client_id: str, client_secret: str) -> ApplicationTokenSource:
        """Return the source for these credentials, made on first use."""
        # Keyed by a digest so the mapping itself holds no second copy of the secret.
        key = (client_id, hashlib.sha256(client_secret.encode()).hexdigest())
        if (source := self._sources.get(key)) is None:
            source = ApplicationTokenSource(
                self._session,
                client_id,
                client_secret,
                style=self._style,
                origins=self._origins,
                clock=self._clock,
                renew_margin=self._renew_margin,
            )
            self._sources[key] = source
        return source


__all__ = [
    "DEFAULT_LIFETIME",
    "DEFAULT_RENEW_MARGIN",
    "ApplicationToken",
    "ApplicationTokenSource",
    "ApplicationTokenSources",
    "TokenRequestStyle",
    "parse_application_token",
]
