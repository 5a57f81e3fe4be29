"""`SmartcarAuth`: the OAuth token endpoint (authorization codes and refresh tokens)."""

from collections.abc import Mapping

import aiohttp
from yarl import URL

from .models import Token
from .origins import Origins, basic_auth_header
from .parsers import parse_token
from .transport import _parse, _required, _Transport


class SmartcarAuth:
    """The OAuth token endpoint, with client credentials in an HTTP Basic header."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        origins: Origins | None = None,
        timeout: float = 60,
    ) -> None:
        """Keep the credentials; they only ever travel in the `Authorization` header."""
        self._authorization = basic_auth_header(
            _required("client_id", client_id), _required("client_secret", client_secret)
        )
        self._transport = _Transport(session, timeout)
        self.origins = origins or Origins.from_environment()

    def __repr__(self) -> str:
        """Never show the credentials."""
        return f"SmartcarAuth(token_url={self.origins.token_url!r})"

    async def exchange_code(self, code: str, redirect_uri: str) -> Token:
        """Trade an authorization code (valid 10 minutes) for tokens."""
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": _required("code", code),
                "redirect_uri": _required("redirect_uri", redirect_uri),
            }
        )

    async def refresh(self, refresh_token: str) -> Token:
        """Trade a refresh token for a new pair (the old refresh token stops working soon after)."""
        return await self._token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": _required("refresh_token", refresh_token),
            }
        )

    async def _token_request(self, form: Mapping[str, str]) -> Token:
        answer = await self._transport.send(
            "POST",
            URL(self.origins.token_url),
            headers={
                "Authorization": self._authorization,
                "Accept": "application/json",
            },
            form=dict(form),
        )
        return _parse(answer, "token", lambda body, _meta: parse_token(body))
