"""The request ledger: written through at once, forward only, one UTC month per period."""

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.smartcar.ledger import RequestLedger

KEY = "smartcar.entry1.budget"


async def _ledger(hass: HomeAssistant) -> RequestLedger:
    ledger = RequestLedger(hass, "entry1")
    await ledger.async_load()
    return ledger


async def test_every_billed_request_is_on_disk_as_soon_as_it_is_counted(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    ledger = await _ledger(hass)
    now = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)

    await ledger.async_record("car-a", 3, now)
    # No save delay, no timer: the row is there before anything else runs.
    assert hass_storage[KEY]["data"] == {
        "car-a": {"period": "2026-10", "used": 3, "billing_blocked": False}
    }
    await ledger.async_record("car-a", 0, now)
    await ledger.async_record("car-b", 1, now)
    await ledger.async_block("car-b", now)
    assert hass_storage[KEY]["data"]["car-b"] == {
        "period": "2026-10",
        "used": 1,
        "billing_blocked": True,
    }


async def test_a_restart_reads_the_ledger_back_and_a_new_month_starts_from_zero(
    hass: HomeAssistant,
) -> None:
    ledger = await _ledger(hass)
    october = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    await ledger.async_record("car-a", 3, october)
    await ledger.async_block("car-a", october)

    reloaded = await _ledger(hass)
    usage = reloaded.usage("car-a", october)
    assert (usage.used, usage.billing_blocked) == (3, True)
    november = reloaded.usage("car-a", datetime(2026, 11, 1, 0, 0, 30, tzinfo=UTC))
    assert (november.period, november.used, november.billing_blocked) == (
        "2026-11",
        0,
        False,
    )


async def test_a_request_sent_before_midnight_and_answered_after_counts_in_the_new_month(
    hass: HomeAssistant,
) -> None:
    ledger = await _ledger(hass)
    last_second = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    january = datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC)
    await ledger.async_record("car-a", 440, last_second)

    # Another car's answer came first; this one's answer arrives after midnight too.
    await ledger.async_record("car-a", 1, january)
    # A late record stamped with the old month must not move the ledger back.
    await ledger.async_record("car-a", 1, last_second)

    usage = ledger.usage("car-a", january)
    assert (usage.period, usage.used) == ("2027-01", 2)
    assert ledger.usage("car-a", last_second).period == "2027-01"


async def test_leap_day_belongs_to_february(hass: HomeAssistant) -> None:
    ledger = await _ledger(hass)
    await ledger.async_record("car-a", 5, datetime(2028, 2, 29, 23, 59, tzinfo=UTC))

    assert ledger.usage("car-a", datetime(2028, 2, 1, tzinfo=UTC)).used == 5
    march = ledger.usage(
        "car-a", datetime(2028, 2, 29, 23, 59, tzinfo=UTC) + timedelta(minutes=1)
    )
    assert (march.period, march.used) == ("2028-03", 0)


async def test_cars_that_left_are_dropped_and_the_file_removed_with_the_entry(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    ledger = await _ledger(hass)
    now = datetime(2026, 10, 20, tzinfo=UTC)
    await ledger.async_record("car-a", 1, now)
    await ledger.async_record("car-b", 1, now)

    await ledger.async_retain({"car-b"})
    assert set(hass_storage[KEY]["data"]) == {"car-b"}

    await ledger.async_remove()
    assert KEY not in hass_storage
