"""Config flow: permissions and mode, then Smartcar Connect; reauth, reconfigure and options."""

from collections.abc import Mapping
import logging
from typing import Any, override

from homeassistant.components import webhook
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2FlowHandler
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from .api.client import Origins, SmartcarClient
from .api.errors import SmartcarError, describe_error
from .const import (
    CONF_MANAGEMENT_TOKEN,
    CONF_MIN_POLL_INTERVAL,
    CONF_MODE,
    CONF_MONTHLY_LIMIT,
    CONF_PERMISSIONS,
    CONF_READ_PATH,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_VEHICLES,
    DEFAULT_MIN_POLL_INTERVAL,
    DEFAULT_MONTHLY_LIMIT,
    DOMAIN,
    LOGGER,
    MIN_POLL_INTERVAL_FLOOR,
    SMARTCAR_DASHBOARD_URL,
    SMARTCAR_PERMISSIONS_DOCS_URL,
    VEHICLE_UNSUPPORTED,
    WEBHOOK_SAFETY_POLL_INTERVAL,
    ConnectMode,
    PermissionGroup,
    ReadPath,
    scopes_for,
)
from .models import SmartcarConfigEntry
from .subscriptions import (
    async_forget_webhook,
    async_use_webhook_id,
    smartcar_webhook_id,
)
from .webhook import async_webhook_url

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

DEFAULT_OPTIONS: dict[str, Any] = {
    CONF_READ_PATH: ReadPath.SIGNALS.value,
    CONF_MONTHLY_LIMIT: DEFAULT_MONTHLY_LIMIT,
    CONF_MIN_POLL_INTERVAL: DEFAULT_MIN_POLL_INTERVAL,
}


def _grant_schema(permissions: list[str], mode: ConnectMode | None) -> probatio.Schema:
    """Build the form: the permissions to ask for and, when it may change, the Connect mode.

    The current choice is the default, so submitting the form unchanged keeps it.
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
    return probatio.Schema(schema)


def _forget_unsupported(entry: SmartcarConfigEntry) -> dict[str, dict[str, Any]]:
    """Return the entry's cars without what they could not do: a new login asks once more.

    Cars and applications gain features (v3 signals, endpoints); make, model and year stay.
    """
    return {
        vehicle_id: {
            key: value for key, value in row.items() if key != VEHICLE_UNSUPPORTED
        }
        for vehicle_id, row in entry.data.get(CONF_VEHICLES, {}).items()
    }


class SmartcarFlowHandler(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Connect a Smartcar account: every car the owner approves becomes a device."""

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Start with every permission offered and real cars."""
        super().__init__()
        self._permissions: list[str] = [group.value for group in PermissionGroup]
        self._mode = ConnectMode.LIVE

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
        """Choose what the integration may read and control, and live or simulated cars."""
        return await self._async_step_grant("user", user_input, with_mode=True)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Log in again after Smartcar refused the tokens."""
        self._permissions = list(entry_data.get(CONF_PERMISSIONS, self._permissions))
        self._mode = ConnectMode(entry_data.get(CONF_MODE, ConnectMode.LIVE))
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Confirm, possibly granting more permissions than before."""
        return await self._async_step_grant(
            "reauth_confirm", user_input, with_mode=False
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the permissions or the mode, then log in again with the same account."""
        if user_input is None:
            entry_data = self._get_reconfigure_entry().data
            self._permissions = list(
                entry_data.get(CONF_PERMISSIONS, self._permissions)
            )
            self._mode = ConnectMode(entry_data.get(CONF_MODE, ConnectMode.LIVE))
        return await self._async_step_grant("reconfigure", user_input, with_mode=True)

    async def _async_step_grant(
        self, step_id: str, user_input: dict[str, Any] | None, *, with_mode: bool
    ) -> ConfigFlowResult:
        """Show the permission form, or take its answer and go to Smartcar Connect."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_PERMISSIONS]:
                self._permissions = list(user_input[CONF_PERMISSIONS])
                self._mode = ConnectMode(user_input.get(CONF_MODE, self._mode))
                return await self.async_step_pick_implementation()
            errors[CONF_PERMISSIONS] = "no_permissions"
        return self.async_show_form(
            step_id=step_id,
            data_schema=_grant_schema(
                self._permissions, self._mode if with_mode else None
            ),
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

        await self.async_set_unique_id(user.id)
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
                data_updates={**entry_data, CONF_VEHICLES: _forget_unsupported(entry)},
            )
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            entry = self._get_reconfigure_entry()
            return self.async_update_reload_and_abort(
                entry,
                data_updates={**entry_data, CONF_VEHICLES: _forget_unsupported(entry)},
            )
        self._abort_if_unique_id_configured()
        title = "Smartcar" if self._mode is ConnectMode.LIVE else "Smartcar (simulated)"
        return self.async_create_entry(
            title=title, data=entry_data, options=DEFAULT_OPTIONS
        )


OPTIONS_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_READ_PATH): SelectSelector(
            SelectSelectorConfig(
                options=[read_path.value for read_path in ReadPath],
                mode=SelectSelectorMode.LIST,
                translation_key=CONF_READ_PATH,
            )
        ),
        probatio.Required(CONF_MONTHLY_LIMIT): NumberSelector(
            NumberSelectorConfig(
                min=10, max=100000, step=1, mode=NumberSelectorMode.BOX
            )
        ),
        probatio.Required(CONF_MIN_POLL_INTERVAL): NumberSelector(
            NumberSelectorConfig(
                min=MIN_POLL_INTERVAL_FLOOR,
                max=24 * 60,
                step=1,
                mode=NumberSelectorMode.BOX,
                unit_of_measurement="min",
            )
        ),
        # Empty: no webhooks, polling only.
        probatio.Optional(CONF_MANAGEMENT_TOKEN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
    }
)

# Smartcar's own webhook id, for when its VERIFY request is not signed (then it is not trusted).
WEBHOOK_SCHEMA = probatio.Schema(
    {probatio.Optional(CONF_SMARTCAR_WEBHOOK_ID): TextSelector()}
)


class SmartcarOptionsFlow(OptionsFlowWithReload):
    """How cars are read, how many requests they may use, and whether Smartcar pushes data."""

    def __init__(self) -> None:
        """Start with nothing chosen."""
        self._options: dict[str, Any] = {}

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and save the options; the entry reloads with them."""
        if user_input is not None:
            self._options = {
                CONF_READ_PATH: user_input[CONF_READ_PATH],
                CONF_MONTHLY_LIMIT: int(user_input[CONF_MONTHLY_LIMIT]),
                CONF_MIN_POLL_INTERVAL: int(user_input[CONF_MIN_POLL_INTERVAL]),
            }
            management_token = user_input.get(CONF_MANAGEMENT_TOKEN, "").strip()
            if not management_token:
                # Webhooks off: the cars are unsubscribed (best effort) with the old token.
                async_forget_webhook(
                    self.hass,
                    self.config_entry,
                    self.config_entry.options.get(CONF_MANAGEMENT_TOKEN),
                )
                return self.async_create_entry(data=self._options)
            self._options[CONF_MANAGEMENT_TOKEN] = management_token
            # The address stays the same while webhooks stay on.
            self._options[CONF_WEBHOOK_ID] = (
                self.config_entry.options.get(CONF_WEBHOOK_ID)
                or webhook.async_generate_id()
            )
            return await self.async_step_webhook()
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA, {**DEFAULT_OPTIONS, **self.config_entry.options}
            ),
            description_placeholders={
                "safety_hours": str(
                    round(WEBHOOK_SAFETY_POLL_INTERVAL.total_seconds() / 3600)
                )
            },
        )

    async def async_step_webhook(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the address to register in the Smartcar dashboard, then save.

        Smartcar's webhook id is optional: it is learned from Smartcar's signed VERIFY request.
        Entered here, it is stored the same way and the cars are subscribed to it.
        """
        if user_input is not None:
            if webhook_id := user_input.get(CONF_SMARTCAR_WEBHOOK_ID, "").strip():
                # Webhooks already on: subscribed now. Otherwise (or when the options change)
                # the setup that follows subscribes.
                async_use_webhook_id(self.hass, self.config_entry, webhook_id)
            return self.async_create_entry(data=self._options)
        known = smartcar_webhook_id(self.config_entry)
        return self.async_show_form(
            step_id="webhook",
            data_schema=self.add_suggested_values_to_schema(
                WEBHOOK_SCHEMA, {CONF_SMARTCAR_WEBHOOK_ID: known} if known else {}
            ),
            description_placeholders={
                "webhook_url": async_webhook_url(
                    self.hass, self._options[CONF_WEBHOOK_ID]
                ),
                "dashboard_url": SMARTCAR_DASHBOARD_URL,
            },
        )
