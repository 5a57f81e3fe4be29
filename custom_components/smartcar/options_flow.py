"""The options: read path, the request budget, and webhooks (one save path, no secret sent back)."""

from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
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

from .const import (
    CONF_MANAGEMENT_TOKEN,
    CONF_MIN_POLL_INTERVAL,
    CONF_MONTHLY_LIMIT,
    CONF_READ_PATH,
    CONF_READ_TRIGGERS,
    CONF_SMARTCAR_WEBHOOK_ID,
    DEFAULT_MIN_POLL_INTERVAL,
    DEFAULT_MONTHLY_LIMIT,
    LOGGER,
    MIN_POLL_INTERVAL_FLOOR,
    READ_TRIGGER_DELAY,
    SMARTCAR_DASHBOARD_URL,
    WEBHOOK_SAFETY_POLL_INTERVAL,
    ReadPath,
)
from .read_triggers import own_entities
from .subscriptions import (
    async_forget_webhook,
    async_use_webhook_id,
    smartcar_webhook_id,
)

DEFAULT_OPTIONS: dict[str, Any] = {
    CONF_READ_PATH: ReadPath.SIGNALS.value,
    CONF_MONTHLY_LIMIT: DEFAULT_MONTHLY_LIMIT,
    CONF_MIN_POLL_INTERVAL: DEFAULT_MIN_POLL_INTERVAL,
}

# The options form's explicit way to turn webhooks off (an empty token field keeps the token).
CONF_WEBHOOKS_OFF = "webhooks_off"


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
        probatio.Optional(CONF_READ_TRIGGERS): EntitySelector(
            EntitySelectorConfig(multiple=True)
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
        if user_input is not None and own_entities(
            self.hass, list(user_input.get(CONF_READ_TRIGGERS) or [])
        ):
            # A read changes the integration's own entities, which would trigger the next.
            errors[CONF_READ_TRIGGERS] = "read_trigger_own_entity"
        elif user_input is not None:
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
        if triggers := self.config_entry.options.get(CONF_READ_TRIGGERS):
            current[CONF_READ_TRIGGERS] = triggers
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
                ),
                "trigger_minutes": str(round(READ_TRIGGER_DELAY.total_seconds() / 60)),
            },
        )

    @staticmethod
    def _polling(user_input: dict[str, Any]) -> dict[str, Any]:
        triggers = list(user_input.get(CONF_READ_TRIGGERS) or [])
        return {
            CONF_READ_PATH: user_input[CONF_READ_PATH],
            CONF_MONTHLY_LIMIT: int(user_input[CONF_MONTHLY_LIMIT]),
            CONF_MIN_POLL_INTERVAL: int(user_input[CONF_MIN_POLL_INTERVAL]),
            # Only when chosen: the entities whose change asks for a read (read_triggers.py).
            **({CONF_READ_TRIGGERS: triggers} if triggers else {}),
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
