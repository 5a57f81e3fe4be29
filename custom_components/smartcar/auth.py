"""Access tokens for the Smartcar client, from the entry's one OAuth2 session.

Smartcar rotates the refresh token on every refresh, and Home Assistant writes config entries
a moment after they change: a crash in between would lose the only valid refresh token. So each
rotated token is also written at once to a store of its own, before its access token is used,
and a newer token found there at setup is put back into the entry.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.config_entry_oauth2_flow import OAuth2Session
from homeassistant.helpers.storage import Store

from .api.errors import AuthenticationError
from .const import DOMAIN

TOKEN_STORAGE_VERSION = 1


def token_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store that holds the entry's latest token."""
    return Store(
        hass, TOKEN_STORAGE_VERSION, f"{DOMAIN}.{entry_id}.token", private=True
    )


async def async_restore_token(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Put a token back into the entry if the store holds a newer one (a crash lost it)."""
    stored = await token_store(hass, entry.entry_id).async_load()
    current = entry.data.get("token") or {}
    if stored and stored.get("expires_at", 0) > current.get("expires_at", 0):
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, "token": stored}
        )


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
        self._store = token_store(hass, entry.entry_id)
        self._saved_refresh_token: str | None = session.token.get("refresh_token")
        self._save_lock = asyncio.Lock()

    @property
    def access_token(self) -> str:
        """The access token stored now."""
        return cast("str", self._session.token["access_token"])

    async def async_get_access_token(self) -> str:
        """Return a valid access token, refreshing it first when it expired."""
        await self._session.async_ensure_token_valid()
        await self._async_keep_rotated()
        return self.access_token

    async def _async_keep_rotated(self) -> None:
        """Write a token whose refresh token rotated to disk now."""
        async with self._save_lock:
            token = dict(self._session.token)
            if token.get("refresh_token") == self._saved_refresh_token:
                return
            await self._store.async_save(token)
            self._saved_refresh_token = token.get("refresh_token")

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
        await self._async_keep_rotated()
