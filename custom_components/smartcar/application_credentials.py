"""Application credentials: Smartcar Connect and its token endpoint."""

from typing import Any, cast, override

from aiohttp import hdrs
from homeassistant.components.application_credentials import (
    AuthImplementation,
    AuthorizationServer,
    ClientCredential,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import MY_AUTH_CALLBACK_PATH

from .api.client import Origins, basic_auth_header
from .const import LOGGER, SMARTCAR_DASHBOARD_URL


async def async_get_authorization_server(hass: HomeAssistant) -> AuthorizationServer:
    """Return Connect's authorize URL and the token URL (SMARTCAR_*_ORIGIN move them)."""
    origins = Origins.from_environment()
    return AuthorizationServer(
        authorize_url=origins.authorize_url, token_url=origins.token_url
    )


async def async_get_auth_implementation(
    hass: HomeAssistant, auth_domain: str, credential: ClientCredential
) -> SmartcarOAuth2Implementation:
    """Return the implementation that sends the client credentials the way Smartcar wants."""
    return SmartcarOAuth2Implementation(
        hass, auth_domain, credential, await async_get_authorization_server(hass)
    )


async def async_get_description_placeholders(hass: HomeAssistant) -> dict[str, str]:
    """Show where to create the credentials and which redirect URI to register."""
    return {
        "dashboard_url": SMARTCAR_DASHBOARD_URL,
        "redirect_uri": MY_AUTH_CALLBACK_PATH,
    }


class SmartcarOAuth2Implementation(AuthImplementation):
    """Smartcar's token endpoint wants the client credentials in an HTTP Basic header."""

    @override
    async def _token_request(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post the form with the credentials in the header, never in the body."""
        form = {
            key: value
            for key, value in data.items()
            if key not in ("client_id", "client_secret")
        }
        headers = {
            hdrs.AUTHORIZATION: basic_auth_header(self.client_id, self.client_secret),
        }
        LOGGER.debug("Requesting a Smartcar token (%s)", form.get("grant_type"))
        resp = await async_get_clientsession(self.hass).post(
            self.token_url, data=form, headers=headers
        )
        # Home Assistant maps 4xx to reauthentication and 429/5xx to a later retry.
        resp.raise_for_status()
        return cast("dict[str, Any]", await resp.json())
