"""A timer for one absolute point in time: the next poll of a car."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time


class PollTimer:
    """Runs `action` at the time last armed; arming again replaces it."""

    def __init__(
        self, hass: HomeAssistant, action: Callable[[], Awaitable[None]]
    ) -> None:
        """Run `action` when due."""
        self._hass = hass
        self._action = action
        self._cancel: CALLBACK_TYPE | None = None

    @callback
    def arm(self, at: datetime | None) -> None:
        """Run the action at `at` (never, for None) instead of any earlier time."""
        self.cancel()
        if at is not None:
            self._cancel = async_track_point_in_utc_time(
                self._hass, self._async_due, at
            )

    @callback
    def cancel(self) -> None:
        """Run nothing."""
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    async def _async_due(self, _now: datetime) -> None:
        self._cancel = None
        await self._action()
