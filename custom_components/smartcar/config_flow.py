"""Config flow: credentials, permissions and mode, Smartcar Connect; reauth, reconfigure, options."""

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
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import AbstractOAuth2FlowHandler
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import (
    BooleanSelector,
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
from homeassistant.util import dt as dt_util
import probatio

from .api.client import Origins, SmartcarClient
from .api.errors import SmartcarError, describe_error
from .const import (
    CONF_GRANTED_AT,
    CONF_MANAGEMENT_TOKEN,
    CONF_MIN_POLL_INTERVAL,
    CONF_MODE,
    CONF_MONTHLY_LIMIT,
    CONF_PERMISSIONS,
    CONF_READ_PATH,
    CONF_SMARTCAR_WEBHOOK_ID,
    DEFAULT_MIN_POLL_INTERVAL,
    DEFAULT_MONTHLY_LIMIT,
    DOMAIN,
    LOGGER,
    MIN_POLL_INTERVAL_FLOOR,
    SMARTCAR_DASHBOARD_URL,
    SMARTCAR_PERMISSIONS_DOCS_URL,
    WEBHOOK_SAFETY_POLL_INTERVAL,
    ConnectMode,
    PermissionGroup,
    ReadPath,
    scopes_for,
)
from .models import SmartcarConfigEntry
from .naming import entry_title
from .subscriptions import (
    async_forget_webhook,
    async_use_webhook_id,
    smartcar_webhook_id,
)

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

# The options form's explicit way to turn webhooks off (an empty token field keeps the token).
CONF_WEBHOOKS_OFF = "webhooks_off"


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


class SmartcarFlowHandler(AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Connect a Smartcar account: every car the owner approves becomes a device.

    The application credentials are resolved first (Home Assistant adds them, or asks which
    one when there are several); only then are the permissions asked, so adding credentials
    never restarts the flow after the owner chose. The choice lives in the flow until Connect.
    """

    DOMAIN = DOMAIN
    VERSION = 1

    def __init__(self) -> None:
        """Start with every permission offered and real cars."""
        super().__init__()
        self._permissions: list[str] = [group.value for group in PermissionGroup]
        self._mode = ConnectMode.LIVE
        # The step that asks for the permissions (user, reauth_confirm or reconfigure).
        self._grant_step = "user"
        self._granted = False

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
        return await self.async_step_reauth_confirm()

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
        self._granted = True
        return await self.async_step_auth()

    @callback
    def _async_show_grant_form(
        self,
        permissions: list[str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Show the permission form of the current step; the mode only where it may change."""
        with_mode = self._grant_step != "reauth_confirm"
        schema = _grant_schema(self._permissions, self._mode if with_mode else None)
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


def _options_schema(*, webhooks_on: bool) -> probatio.Schema:
    """Build the options form; turning webhooks off is offered while they are on."""
    schema: dict[Any, Any] = {
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
        # Never filled in: a secret is not sent back to the browser. Empty keeps the stored one.
        probatio.Optional(CONF_MANAGEMENT_TOKEN): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
        # Smartcar's own webhook id, for when its VERIFY request is not signed (then it is not
        # trusted). Not a secret: the dashboard shows it.
        probatio.Optional(CONF_SMARTCAR_WEBHOOK_ID): TextSelector(),
    }
    if webhooks_on:
        schema[probatio.Optional(CONF_WEBHOOKS_OFF, default=False)] = BooleanSelector()
    return probatio.Schema(schema)


async def async_webhook_address(hass: HomeAssistant, webhook_id: str) -> str | None:
    """Return the address Smartcar can call from the internet, or None when there is none.

    A Home Assistant Cloud subscription gives a cloudhook; otherwise the external URL, which must
    be HTTPS. An internal address (`http://127.0.0.1:8123`) is useless to Smartcar: not offered.
    """
    # Cloud is optional: only asked when it is set up.
    if "cloud" in hass.config.components:
        from homeassistant.components import cloud  # noqa: PLC0415

        if cloud.async_active_subscription(hass):
            try:
                return await cloud.async_get_or_create_cloudhook(hass, webhook_id)
            except cloud.CloudNotAvailable:
                LOGGER.debug("Home Assistant Cloud cannot make a cloudhook now")
    try:
        base_url = get_url(
            hass, allow_internal=False, require_ssl=True, prefer_external=True
        )
    except NoURLAvailableError:
        return None
    return f"{base_url}{webhook.async_generate_path(webhook_id)}"


class SmartcarOptionsFlow(OptionsFlowWithReload):
    """How cars are read, how many requests they may use, and whether Smartcar pushes data.

    Everything is saved when the first step is submitted; the webhook step that may follow
    only shows where to register the webhook, so closing it loses nothing.
    """

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the options and save them; the entry reloads with them."""
        stored_token: str | None = self.config_entry.options.get(CONF_MANAGEMENT_TOKEN)
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input.get(CONF_MANAGEMENT_TOKEN, "").strip()
            if not user_input.get(CONF_WEBHOOKS_OFF):
                return await self._async_save(user_input, token or stored_token)
            if not token:
                return await self._async_turn_webhooks_off(user_input, stored_token)
            errors[CONF_MANAGEMENT_TOKEN] = "token_while_turning_off"
        known = smartcar_webhook_id(self.config_entry)
        current = {
            key: self.config_entry.options.get(key, default)
            for key, default in DEFAULT_OPTIONS.items()
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _options_schema(webhooks_on=stored_token is not None),
                {
                    **current,
                    **({CONF_SMARTCAR_WEBHOOK_ID: known} if known else {}),
                    **(user_input or {}),
                    # Whatever was typed, the form never carries a token back.
                    CONF_MANAGEMENT_TOKEN: "",
                },
            ),
            errors=errors,
            description_placeholders={
                "safety_hours": str(
                    round(WEBHOOK_SAFETY_POLL_INTERVAL.total_seconds() / 3600)
                )
            },
        )

    @staticmethod
    def _polling(user_input: dict[str, Any]) -> dict[str, Any]:
        return {
            CONF_READ_PATH: user_input[CONF_READ_PATH],
            CONF_MONTHLY_LIMIT: int(user_input[CONF_MONTHLY_LIMIT]),
            CONF_MIN_POLL_INTERVAL: int(user_input[CONF_MIN_POLL_INTERVAL]),
        }

    async def _async_save(
        self, user_input: dict[str, Any], token: str | None
    ) -> ConfigFlowResult:
        """Save the options; show the webhook's address when the token is new."""
        options = self._polling(user_input)
        if token is None:
            return self.async_create_entry(data=options)
        old_options = self.config_entry.options
        # The address stays the same while webhooks stay on.
        webhook_id: str = (
            old_options.get(CONF_WEBHOOK_ID) or webhook.async_generate_id()
        )
        options |= {CONF_MANAGEMENT_TOKEN: token, CONF_WEBHOOK_ID: webhook_id}
        if smartcar_id := user_input.get(CONF_SMARTCAR_WEBHOOK_ID, "").strip():
            # Webhooks already on: subscribed now. Otherwise the setup that follows does.
            async_use_webhook_id(self.hass, self.config_entry, smartcar_id)
        if token == old_options.get(CONF_MANAGEMENT_TOKEN):
            return self.async_create_entry(data=options)
        # Saved now: the next step only informs, and closing it must not lose the change.
        if self.hass.config_entries.async_update_entry(
            self.config_entry, options=options
        ):
            self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
        return await self.async_step_webhook()

    async def _async_turn_webhooks_off(
        self, user_input: dict[str, Any], stored_token: str | None
    ) -> ConfigFlowResult:
        """Forget the token and the webhook; the cars are unsubscribed (best effort)."""
        async_forget_webhook(self.hass, self.config_entry, stored_token)
        if webhook_id := self.config_entry.options.get(CONF_WEBHOOK_ID):
            await self._async_delete_cloudhook(webhook_id)
        return self.async_create_entry(data=self._polling(user_input))

    async def _async_delete_cloudhook(self, webhook_id: str) -> None:
        """Remove the cloudhook made for the webhook, if Home Assistant Cloud made one."""
        if "cloud" not in self.hass.config.components:
            return
        from homeassistant.components import cloud  # noqa: PLC0415

        try:
            await cloud.async_delete_cloudhook(self.hass, webhook_id)
        except cloud.CloudNotAvailable, ValueError:
            # Not logged in, or no cloudhook for this webhook: nothing to remove.
            LOGGER.debug("No cloudhook to remove")

    async def async_step_webhook(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the address to register in the Smartcar dashboard (already saved)."""
        if user_input is not None:
            return self.async_create_entry(data=dict(self.config_entry.options))
        address = await async_webhook_address(
            self.hass, self.config_entry.options[CONF_WEBHOOK_ID]
        )
        placeholders = {"dashboard_url": SMARTCAR_DASHBOARD_URL}
        if address is None:
            return self.async_show_form(
                step_id="webhook_no_address",
                description_placeholders=placeholders,
                last_step=True,
            )
        return self.async_show_form(
            step_id="webhook",
            description_placeholders={**placeholders, "webhook_url": address},
            last_step=True,
        )

    async def async_step_webhook_no_address(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Close the notice that Home Assistant has no address Smartcar can reach."""
        return self.async_create_entry(data=dict(self.config_entry.options))
