"""Access tokens for the Smartcar client, from the entry's one OAuth2 session."""

from collections.abc import Awaitable, Callable
from typing import cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session

from .api.errors import AuthenticationError


class SmartcarTokens:
    """Hands the client a valid access token and recovers from one Smartcar refused early.

    Home Assistant's session refreshes under a lock, so cars polled at the same moment never use
    the rotating refresh token twice.
    """

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry, session: OAuth2Session
    ) -> None:
        """Serve the tokens of `entry` through `session`."""
        self._hass = hass
        self._entry = entry
        self._session = session

    @property
    def access_token(self) -> str:
        """The access token stored now."""
        return cast("str", self._session.token["access_token"])

    async def async_get_access_token(self) -> str:
        """Return a valid access token, refreshing it first when it expired."""
        await self._session.async_ensure_token_valid()
        return self.access_token

    async def async_authorized[T](self, request: Callable[[], Awaitable[T]]) -> T:
        """Run `request`; if Smartcar rejects a token that looked valid, refresh and try once more.

        Smartcar may end an access token before its `expires_in` (revoked, rotated elsewhere); a
        refresh fixes that, and only a second rejection means the owner must log in again.
        """
        rejected = self.access_token
        try:
            return await request()
        except AuthenticationError:
            await self._async_refresh_rejected(rejected)
            return await request()

    async def _async_refresh_rejected(self, rejected: str) -> None:
        # Another caller may have refreshed already: then the new token is used as it is.
        if self.access_token == rejected:
            token = {**self._session.token, "expires_at": 0}
            self._hass.config_entries.async_update_entry(
                self._entry, data={**self._entry.data, "token": token}
            )
        await self._session.async_ensure_token_valid()
