"""How an entry reaches Smartcar: its kind of application, its tokens, its client, its cars.

A legacy application reads with the owner's Connect tokens (v2, v3 signals without a user); a
V3 application with one application token for all its entries plus the owner's `sc-user-id`, and
lists its cars from the v3 Connections API.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryNotReady,
    ImplementationUnavailableError,
)
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)

from .api.client import Origins, SmartcarClient
from .auth import SmartcarTokens, async_application_tokens, async_restore_token
from .const import (
    CONF_API_CLIENT_ID,
    CONF_API_CLIENT_SECRET,
    CONF_API_GENERATION,
    CONF_MODE,
    CONF_USER_ID,
    DOMAIN,
    ApiGeneration,
    ConnectMode,
)
from .models import SmartcarConfigEntry


class Tokens(Protocol):
    """Access tokens for the client, and one retry after a token Smartcar refused."""

    async def async_get_access_token(self) -> str:
        """Return a valid access token."""
        ...

    async def async_authorized[T](self, request: Callable[[], Awaitable[T]]) -> T:
        """Run `request`, trying once more after a refused token."""
        ...


@dataclass(frozen=True, slots=True)
class Account:
    """What one entry uses to reach Smartcar."""

    generation: ApiGeneration
    client: SmartcarClient
    tokens: Tokens
    user_id: str | None = None
    mode: ConnectMode = ConnectMode.LIVE

    @property
    def is_v3(self) -> bool:
        """Whether the entry is a V3 application."""
        return self.generation is ApiGeneration.V3

    async def async_vehicle_ids(self) -> tuple[str, ...]:
        """Return the owner's cars (neither listing is billed)."""
        if self.generation is ApiGeneration.LEGACY:
            return await self.tokens.async_authorized(self.client.get_vehicle_ids)

        async def connections() -> tuple[str, ...]:
            found = await self.client.list_connections_v3(
                user_id=self.user_id, mode=self.mode.value
            )
            # The owner's own, even if a server ignored the filter.
            return tuple(
                dict.fromkeys(
                    item.vehicle_id for item in found if item.user_id == self.user_id
                )
            )

        return await self.tokens.async_authorized(connections)


def generation(entry: SmartcarConfigEntry) -> ApiGeneration:
    """Return the kind of application of an entry (entries before V3 are legacy)."""
    return ApiGeneration(entry.data.get(CONF_API_GENERATION, ApiGeneration.LEGACY))


async def async_account(hass: HomeAssistant, entry: SmartcarConfigEntry) -> Account:
    """Build the entry's tokens and client."""
    session = async_get_clientsession(hass)
    origins = Origins.from_environment()
    mode = ConnectMode(entry.data.get(CONF_MODE, ConnectMode.LIVE))
    if generation(entry) is ApiGeneration.V3:
        tokens = async_application_tokens(
            hass, entry.data[CONF_API_CLIENT_ID], entry.data[CONF_API_CLIENT_SECRET]
        )
        user_id: str = entry.data[CONF_USER_ID]
        # The source itself: the client tells it which token Smartcar refused.
        client = SmartcarClient(
            session, tokens.source, origins=origins, user_id=user_id
        )
        return Account(ApiGeneration.V3, client, tokens, user_id, mode)
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except ImplementationUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="implementation_unavailable"
        ) from err
    await async_restore_token(hass, entry)
    # One session per account: it serialises refreshes, so a rotating refresh token is never
    # used twice.
    legacy = SmartcarTokens(hass, entry, OAuth2Session(hass, entry, implementation))
    client = SmartcarClient(session, legacy.async_get_access_token, origins=origins)
    return Account(ApiGeneration.LEGACY, client, legacy, None, mode)
