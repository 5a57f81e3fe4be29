"""Config flow: credentials, permissions and mode, Smartcar Connect; reauth, reconfigure, options."""

from collections.abc import Mapping
import logging
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlowResult,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2FlowHandler
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util
import probatio

from .api.client import Origins, SmartcarClient
from .api.errors import SmartcarError, describe_error
from .const import (
    CONF_API_CLIENT_ID,
    CONF_API_CLIENT_SECRET,
    CONF_API_GENERATION,
    CONF_GRANTED_AT,
    CONF_MODE,
    CONF_PERMISSIONS,
    CONF_USER_ID,
    DOMAIN,
    LOGGER,
    SMARTCAR_DASHBOARD_URL,
    SMARTCAR_PERMISSIONS_DOCS_URL,
    ApiGeneration,
    ConnectMode,
    PermissionGroup,
    scopes_for,
)
from .migration import async_check_api_credentials, async_newest_connection_user
from .models import SmartcarConfigEntry
from .naming import entry_title
from .options_flow import DEFAULT_OPTIONS, SmartcarOptionsFlow

# Errors Smartcar Connect sends back instead of a code; each ends the flow with its own message.
CONNECT_ERRORS = frozenset(
    {
        "access_denied",
        "configuration_error",
        "invalid_subscription",
        "no_vehicles",
        "server_error",
        "user_manually_returned_to_application",
        "vehicle_incompatible",
    }
)


def _grant_schema(
    permissions: list[str], mode: ConnectMode | None, api_client_id: str | None
) -> probatio.Schema:
    """Build the form: the permissions to ask for and, when it may change, the Connect mode.

    The current choice is the default, so submitting the form unchanged keeps it. The API
    credentials make the entry a V3 application; a stored secret is never shown (left empty,
    it stays).
    """
    schema: dict[Any, Any] = {
        probatio.Required(CONF_PERMISSIONS, default=permissions): SelectSelector(
            SelectSelectorConfig(
                options=[group.value for group in PermissionGroup],
                multiple=True,
                mode=SelectSelectorMode.LIST,
                translation_key=CONF_PERMISSIONS,
            )
        ),
    }
    if mode is not None:
        schema[probatio.Required(CONF_MODE, default=mode.value)] = SelectSelector(
            SelectSelectorConfig(
                options=[mode.value for mode in ConnectMode],
                mode=SelectSelectorMode.LIST,
                translation_key=CONF_MODE,
            )
        )
    schema[
        probatio.Optional(
            CONF_API_CLIENT_ID, description={"suggested_value": api_client_id}
        )
    ] = TextSelector()
    schema[probatio.Optional(CONF_API_CLIENT_SECRET)] = TextSelector(
        TextSelectorConfig(type=TextSelectorType.PASSWORD)
    )
    return probatio.Schema(schema)


class SmartcarFlowHandler(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Connect a Smartcar account: every car the owner approves becomes a device.

    The application credentials are resolved first (Home Assistant adds them, or asks which
    one when there are several); only then are the permissions asked, so adding credentials
    never restarts the flow after the owner chose. The choice lives in the flow until Connect.
    """

    DOMAIN = DOMAIN
    # 2: the entry says which kind of Smartcar application it uses (api_generation).
    VERSION = 2

    def __init__(self) -> None:
        """Start with every permission offered and real cars."""
        super().__init__()
        self._permissions: list[str] = [group.value for group in PermissionGroup]
        self._mode = ConnectMode.LIVE
        # The step that asks for the permissions (user, reauth_confirm or reconfigure).
        self._grant_step = "user"
        self._granted = False
        # API credentials of a V3 application: (client id, secret), checked.
        self._api: tuple[str, str] | None = None
        self._stored_api: tuple[str, str] | None = None

    @property
    @override
    def logger(self) -> logging.Logger:
        """The integration's logger."""
        return LOGGER

    @property
    @override
    def extra_authorize_data(self) -> dict[str, str]:
        """Ask Connect for the chosen scopes in the chosen mode."""
        data = {
            "scope": " ".join(scopes_for(self._permissions)),
            "mode": self._mode.value,
        }
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            # Show the consent screen again, so new permissions and cars can be approved.
            data["approval_prompt"] = "force"
        return data

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: SmartcarConfigEntry,
    ) -> SmartcarOptionsFlow:
        """Read path, polling settings and webhooks."""
        return SmartcarOptionsFlow()

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Resolve the credentials, then choose permissions and live or simulated cars."""
        if user_input is None:
            return await self.async_step_pick_implementation()
        return await self._async_step_grant(user_input)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Log in again after Smartcar refused the tokens."""
        self._permissions = list(entry_data.get(CONF_PERMISSIONS, self._permissions))
        self._mode = ConnectMode(entry_data.get(CONF_MODE, ConnectMode.LIVE))
        self._remember_api(entry_data)
        return await self.async_step_reauth_confirm()

    def _remember_api(self, entry_data: Mapping[str, Any]) -> None:
        if CONF_API_CLIENT_ID in entry_data:
            self._stored_api = (
                entry_data[CONF_API_CLIENT_ID],
                entry_data[CONF_API_CLIENT_SECRET],
            )

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm, possibly granting more permissions than before."""
        if user_input is None:
            self._grant_step = "reauth_confirm"
            return await self._async_pick_stored_implementation(
                self._get_reauth_entry()
            )
        return await self._async_step_grant(user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the permissions or the mode, then log in again with the same account."""
        if user_input is None:
            entry = self._get_reconfigure_entry()
            self._permissions = list(
                entry.data.get(CONF_PERMISSIONS, self._permissions)
            )
            self._mode = ConnectMode(entry.data.get(CONF_MODE, ConnectMode.LIVE))
            self._remember_api(entry.data)
            self._grant_step = "reconfigure"
            return await self._async_pick_stored_implementation(entry)
        return await self._async_step_grant(user_input)

    async def _async_pick_stored_implementation(
        self, entry: SmartcarConfigEntry
    ) -> ConfigFlowResult:
        """Use the entry's credentials; Home Assistant asks again if they were removed."""
        return await self.async_step_pick_implementation(
            {"implementation": entry.data["auth_implementation"]}
        )

    @override
    async def async_step_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """With the credentials known, ask for the permissions before going to Connect."""
        if user_input is None and not self._granted:
            return self._async_show_grant_form()
        return await super().async_step_auth(user_input)

    async def _async_step_grant(self, user_input: dict[str, Any]) -> ConfigFlowResult:
        """Take the permission form's answer and go to Smartcar Connect."""
        permissions = list(user_input[CONF_PERMISSIONS])
        self._mode = ConnectMode(user_input.get(CONF_MODE, self._mode))
        if not permissions:
            # Shown again as the owner left it, with the mode they chose.
            return self._async_show_grant_form(
                permissions, errors={CONF_PERMISSIONS: "no_permissions"}
            )
        self._permissions = permissions
        if (error := await self._async_take_api_credentials(user_input)) is not None:
            return self._async_show_grant_form(permissions, errors={"base": error})
        self._granted = True
        return await self.async_step_auth()

    async def _async_take_api_credentials(
        self, user_input: dict[str, Any]
    ) -> str | None:
        """Check the API credentials given (a V3 application); none keeps it legacy."""
        client_id = str(user_input.get(CONF_API_CLIENT_ID) or "").strip()
        secret = str(user_input.get(CONF_API_CLIENT_SECRET) or "").strip()
        if not client_id:
            self._api = None
            return None
        if not secret and self._stored_api and self._stored_api[0] == client_id:
            secret = self._stored_api[1]
        if not secret:
            return "api_secret_required"
        if error := await async_check_api_credentials(self.hass, client_id, secret):
            return error
        self._api = (client_id, secret)
        return None

    @callback
    def _async_show_grant_form(
        self,
        permissions: list[str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Show the permission form of the current step; the mode only where it may change."""
        with_mode = self._grant_step != "reauth_confirm"
        schema = _grant_schema(
            self._permissions,
            self._mode if with_mode else None,
            (self._api or self._stored_api or (None, None))[0],
        )
        if permissions is not None:
            schema = self.add_suggested_values_to_schema(
                schema, {CONF_PERMISSIONS: permissions}
            )
        return self.async_show_form(
            step_id=self._grant_step,
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "permissions_url": SMARTCAR_PERMISSIONS_DOCS_URL,
                "dashboard_url": SMARTCAR_DASHBOARD_URL,
            },
        )

    @override
    async def async_step_authorize_rejected(
        self, data: None = None
    ) -> ConfigFlowResult:
        """End with Connect's own reason when it sent one we know."""
        error = self.external_data.get("error")
        if error in CONNECT_ERRORS:
            return self.async_abort(reason=error)
        return await super().async_step_authorize_rejected(data)

    @override
    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Identify the account and check it has cars, then create or update the entry."""
        if self._api is not None:
            return await self._async_v3_entry(data, *self._api)
        return await self._async_legacy_entry(data)

    async def _async_v3_entry(
        self, data: dict[str, Any], client_id: str, secret: str
    ) -> ConfigFlowResult:
        """Create a V3 entry: the owner of the connection Connect just made (see migration.py)."""
        user_id, error = await async_newest_connection_user(
            self.hass, client_id, secret, self._mode
        )
        if error is not None or user_id is None:
            return self.async_abort(reason=error or "no_vehicles")
        return await self._async_finish(
            user_id,
            {
                **data,
                CONF_API_GENERATION: ApiGeneration.V3.value,
                CONF_API_CLIENT_ID: client_id,
                CONF_API_CLIENT_SECRET: secret,
                CONF_USER_ID: user_id,
            },
        )

    async def _async_legacy_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Create a legacy entry: the owner and cars from v2 with the Connect token."""
        access_token: str = data["token"]["access_token"]

        async def async_get_access_token() -> str:
            return access_token

        client = SmartcarClient(
            async_get_clientsession(self.hass),
            async_get_access_token,
            origins=Origins.from_environment(),
        )
        try:
            user = await client.get_user_id()
            vehicle_ids = await client.get_vehicle_ids()
        except SmartcarError as err:
            LOGGER.debug(
                "Smartcar did not answer the account checks: %s", describe_error(err)
            )
            return self.async_abort(reason="cannot_connect")
        if not vehicle_ids:
            return self.async_abort(reason="no_vehicles")
        return await self._async_finish(
            user.id, {**data, CONF_API_GENERATION: ApiGeneration.LEGACY.value}
        )

    async def _async_finish(
        self, user_id: str, data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Create the entry of the Smartcar user, or update it (reauth, reconfigure)."""
        await self.async_set_unique_id(user_id)
        entry_data = {
            **data,
            CONF_PERMISSIONS: self._permissions,
            CONF_MODE: self._mode.value,
        }
        if self.source == SOURCE_REAUTH:
            self._abort_if_unique_id_mismatch(reason="reauth_account_mismatch")
            entry = self._get_reauth_entry()
            return self.async_update_reload_and_abort(
                entry,
                data_updates={
                    **entry_data,
                    CONF_GRANTED_AT: dt_util.utcnow().isoformat(),
                },
            )
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            entry = self._get_reconfigure_entry()
            return self.async_update_reload_and_abort(
                entry,
                data_updates={
                    **entry_data,
                    CONF_GRANTED_AT: dt_util.utcnow().isoformat(),
                },
            )
        self._abort_if_unique_id_configured()
        # The models are not known yet: reading them is billed, and a request made before the
        # entry (and its request ledger) exists would go uncounted. The setup names the entry
        # after its cars (naming.entry_title) once their first reads know the models.
        return self.async_create_entry(
            title=entry_title((), simulated=self._mode is ConnectMode.SIMULATED),
            data=entry_data,
            options=DEFAULT_OPTIONS,
        )
