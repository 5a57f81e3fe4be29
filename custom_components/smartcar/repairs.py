"""Fix flows: a legacy entry whose v2 API is gone becomes a V3 entry in place."""

from typing import Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant

from .const import SMARTCAR_DASHBOARD_URL
from .issues import ISSUE_ENTRY_ID
from .migration import API_CREDENTIALS_SCHEMA, async_migrate_to_v3


class MoveToV3Flow(RepairsFlow):
    """Ask for the application's API credentials and move the entry to V3."""

    def __init__(self, entry_id: str) -> None:
        """Fix the entry `entry_id`."""
        self._entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Start with the credentials form (the flow is opened with the issue's data)."""
        return await self.async_step_credentials()

    async def async_step_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Show the form, and move the entry once the credentials work."""
        errors: dict[str, str] = {}
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is not None:
            error = await async_migrate_to_v3(self.hass, entry, user_input)
            if error is None:
                return self.async_create_entry(data={})
            errors["base"] = error
        return self.async_show_form(
            step_id="credentials",
            data_schema=API_CREDENTIALS_SCHEMA,
            errors=errors,
            description_placeholders={"dashboard_url": SMARTCAR_DASHBOARD_URL},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Create the flow that fixes `issue_id`."""
    return MoveToV3Flow(str((data or {})[ISSUE_ENTRY_ID]))
