"""Moving a legacy entry to a V3 application in place: same devices, entities and history.

The owner enters the application's API credentials; they are checked with a token request, the
owner's Smartcar user id is taken from the v3 Connections API (the cars the entry already has),
and the entry's data says V3 from then on. Unique ids are Smartcar's vehicle ids, so every
device and entity stays as it is; a reload starts reading with the application token.
"""

from datetime import UTC, datetime
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import probatio

from .api.client import Origins, SmartcarClient
from .api.errors import OAuthError, SmartcarError
from .auth import async_application_tokens
from .const import (
    CONF_API_CLIENT_ID,
    CONF_API_CLIENT_SECRET,
    CONF_API_GENERATION,
    CONF_MODE,
    CONF_USER_ID,
    LOGGER,
    ApiGeneration,
    ConnectMode,
)
from .models import SmartcarConfigEntry

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

API_CREDENTIALS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_API_CLIENT_ID): str,
        probatio.Required(CONF_API_CLIENT_SECRET): str,
    }
)


async def async_check_api_credentials(
    hass: HomeAssistant, client_id: str, client_secret: str
) -> str | None:
    """Return the form error for these API credentials (one token request), or None."""
    try:
        await async_application_tokens(hass, client_id, client_secret).source()
    except OAuthError:
        return "invalid_api_credentials"
    except SmartcarError as err:
        LOGGER.debug("Smartcar's token endpoint failed: %s", err.kind)
        return "cannot_connect"
    return None


async def async_newest_connection_user(
    hass: HomeAssistant, client_id: str, client_secret: str, mode: ConnectMode
) -> tuple[str | None, str | None]:
    """Return the user of the newest connection (the one Connect just made), or an error.

    Home Assistant's OAuth callback does not pass Connect's `user_id` on; the v3 Connections
    API knows it. This works through my.home-assistant.io, with no callback of our own.
    """
    try:
        connections = await _client(hass, client_id, client_secret).list_connections_v3(
            mode=mode.value
        )
    except SmartcarError as err:
        LOGGER.debug("Smartcar Connections failed: %s", err.kind)
        return None, "cannot_connect"
    if not connections:
        return None, "no_vehicles"
    newest = max(connections, key=lambda item: item.connected_at or _EPOCH)
    return newest.user_id, None


def _client(hass: HomeAssistant, client_id: str, client_secret: str) -> SmartcarClient:
    # The shared source: the token that checked the credentials is the one used after.
    source = async_application_tokens(hass, client_id, client_secret).source
    return SmartcarClient(
        async_get_clientsession(hass), source, origins=Origins.from_environment()
    )


async def async_find_user_id(
    hass: HomeAssistant,
    client_id: str,
    client_secret: str,
    vehicle_ids: set[str],
    mode: ConnectMode,
) -> tuple[str | None, str | None]:
    """Return (user id, None), or (None, the form error) for these API credentials."""
    try:
        connections = await _client(hass, client_id, client_secret).list_connections_v3(
            mode=mode.value
        )
    except OAuthError as err:
        LOGGER.debug("Smartcar refused the API credentials: %s", err.code)
        return None, "invalid_api_credentials"
    except SmartcarError as err:
        LOGGER.debug("Smartcar Connections failed: %s", err.kind)
        return None, "cannot_connect"
    users = {
        connection.user_id
        for connection in connections
        if not vehicle_ids or connection.vehicle_id in vehicle_ids
    }
    if len(users) != 1:
        # None of the entry's cars is connected to this application, or several owners are.
        return None, "no_connection"
    return users.pop(), None


async def async_migrate_to_v3(
    hass: HomeAssistant, entry: SmartcarConfigEntry, user_input: dict[str, Any]
) -> str | None:
    """Make `entry` a V3 entry; return the form error, or None once it is done."""
    loaded = entry.state is ConfigEntryState.LOADED
    vehicle_ids = set(entry.runtime_data.vehicles) if loaded else set()
    mode = ConnectMode(entry.data.get(CONF_MODE, ConnectMode.LIVE))
    client_id = user_input[CONF_API_CLIENT_ID].strip()
    client_secret = user_input[CONF_API_CLIENT_SECRET].strip()
    user_id, error = await async_find_user_id(
        hass, client_id, client_secret, vehicle_ids, mode
    )
    if error is not None or user_id is None:
        return error or "no_connection"
    hass.config_entries.async_update_entry(
        entry,
        data={
            **entry.data,
            CONF_API_GENERATION: ApiGeneration.V3.value,
            CONF_API_CLIENT_ID: client_id,
            CONF_API_CLIENT_SECRET: client_secret,
            CONF_USER_ID: user_id,
        },
    )
    hass.config_entries.async_schedule_reload(entry.entry_id)
    return None
