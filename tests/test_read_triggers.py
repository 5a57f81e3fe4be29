"""Reads asked for by what the owner does: an entity from the options changing state.

Every test starts at 20 October 2026, 08:00 UTC, when the setup reads the car; its next poll is
planned 49 min 36 s later (tests/test_coordinator.py). A triggered read comes two minutes after
the change, never within the 15-minute floor, and never moves the planned poll.
"""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from .conftest import (
    API_V3,
    EV_ID,
    PETROL_ID,
    Reply,
    SmartcarMock,
    make_entry,
    next_poll,
    setup_entry,
)
from .test_coordinator import (
    BATTERY,
    CATCH_UP,
    NOW,
    SIGNALS,
    newer_battery,
    planned,
    press_refresh,
)

OWNER = "person.owner"
GARAGE = "cover.garage"


def entry_read_when(*entities: str) -> MockConfigEntry:
    """An entry with the default options and these entities as read triggers."""
    return make_entry(
        options={
            "read_path": "signals",
            "monthly_limit": 500,
            "min_poll_interval": 15,
            "read_triggers": list(entities),
        }
    )


@pytest.fixture
async def triggered(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> MockConfigEntry:
    """A loaded entry reading the EV when the owner's person entity changes."""
    hass.states.async_set(OWNER, "not_home")
    hass.states.async_set(GARAGE, "closed")
    entry = entry_read_when(OWNER)
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    return entry


async def test_coming_home_reads_the_car_two_minutes_later_and_keeps_the_plan(
    hass: HomeAssistant,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    newer_battery(smartcar, 71)
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    hass.states.async_set(OWNER, "home")
    await hass.async_block_till_done()

    await next_poll(hass, freezer, 119)
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    await next_poll(hass, freezer, 2)

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "71.0"
    # Billed like any poll; the planned poll stays where it was.
    assert triggered.runtime_data.ledger.usage(EV_ID, NOW).used == 3
    assert planned(triggered) == (NOW + CATCH_UP, "spread")


async def test_a_change_within_the_floor_is_read_when_the_floor_ends(
    hass: HomeAssistant,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await next_poll(hass, freezer, timedelta(minutes=5).total_seconds())
    hass.states.async_set(OWNER, "home")
    await hass.async_block_till_done()

    # 08:07: within 15 minutes of the 08:00 read, so at 08:15.
    await next_poll(hass, freezer, timedelta(minutes=2).total_seconds())
    await next_poll(hass, freezer, timedelta(minutes=7, seconds=50).total_seconds())
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    await next_poll(hass, freezer, 15)

    assert len(smartcar.calls("GET", SIGNALS)) == 2


async def test_changes_while_a_read_is_pending_make_one_read(
    hass: HomeAssistant,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    hass.states.async_set(OWNER, "home")
    await next_poll(hass, freezer, 30)
    hass.states.async_set(OWNER, "not_home")
    await next_poll(hass, freezer, 30)
    hass.states.async_set(OWNER, "home")

    # Two more reads would have come by 08:37 (the floor after the first at 08:22:00).
    await next_poll(hass, freezer, timedelta(minutes=5).total_seconds())
    await next_poll(hass, freezer, timedelta(minutes=15).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == 2


async def test_a_deferred_read_is_dropped_when_a_poll_came_in_between(
    hass: HomeAssistant,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    # Refreshed at 08:40; the owner comes home at 08:44, so the read due at 08:46 waits for
    # the floor (08:55); the planned poll at 08:49:36 comes first and brings what it would.
    await next_poll(hass, freezer, timedelta(minutes=40).total_seconds())
    await press_refresh(hass)
    await next_poll(hass, freezer, timedelta(minutes=4).total_seconds())
    hass.states.async_set(OWNER, "home")
    await next_poll(hass, freezer, timedelta(minutes=2).total_seconds())
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    await next_poll(hass, freezer, timedelta(minutes=4).total_seconds())
    assert len(smartcar.calls("GET", SIGNALS)) == 3

    await next_poll(hass, freezer, timedelta(minutes=10).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == 3


@pytest.mark.parametrize(("recorded", "reads"), [(292, 2), (294, 1)])
async def test_no_read_while_the_car_is_a_day_ahead_of_its_pace(
    hass: HomeAssistant,
    *,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    recorded: int,
    reads: int,
) -> None:
    # At 08:22 on 20 October the pace allows 450 x (19 days 8 h 22 min) / 31 days = 280.9
    # polls and a day's allowance is 450 / 31 = 14.5: 2 + 292 used is 13.1 ahead (read),
    # 2 + 294 is 15.1 ahead (not read).
    await triggered.runtime_data.ledger.async_record(EV_ID, recorded, NOW)
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    hass.states.async_set(OWNER, "home")

    await next_poll(hass, freezer, timedelta(minutes=5).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == reads


async def test_the_integrations_own_entities_trigger_nothing(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    # Stored before the options refused it: a read changes the battery, which would trigger
    # the next read.
    entry = entry_read_when(BATTERY)
    await setup_entry(hass, entry)
    newer_battery(smartcar, 71)
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    await press_refresh(hass)
    assert hass.states.get(BATTERY).state == "71.0"

    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == 2


@pytest.mark.parametrize(
    ("entity_id", "old", "new", "attributes"),
    [
        # Not one of the chosen entities.
        (GARAGE, "closed", "open", {}),
        # Only an attribute changed.
        (OWNER, "not_home", "not_home", {"gps_accuracy": 5}),
        # The entity's source came back: not the owner's doing.
        (OWNER, "unavailable", "home", {}),
        (OWNER, "not_home", "unknown", {}),
    ],
    ids=["other_entity", "attribute_only", "from_unavailable", "to_unknown"],
)
async def test_changes_that_are_not_the_owners_read_nothing(
    hass: HomeAssistant,
    *,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    old: str,
    new: str,
    attributes: dict[str, Any],
) -> None:
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    hass.states.async_set(entity_id, old)
    await hass.async_block_till_done()
    hass.states.async_set(entity_id, new, attributes)

    await next_poll(hass, freezer, timedelta(minutes=5).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_no_read_when_the_polls_are_used_up(
    hass: HomeAssistant,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await triggered.runtime_data.ledger.async_record(EV_ID, 448, NOW)
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    hass.states.async_set(OWNER, "home")

    await next_poll(hass, freezer, timedelta(minutes=30).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert triggered.runtime_data.ledger.usage(EV_ID, NOW).used == 450


async def test_a_failed_triggered_read_keeps_the_values(
    hass: HomeAssistant,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["GET", SIGNALS] = Reply(status=502, body={"type": "UPSTREAM"})
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    hass.states.async_set(OWNER, "home")

    await next_poll(hass, freezer, timedelta(minutes=3).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert hass.states.get(BATTERY).state == "76.0"


async def test_unloading_cancels_a_pending_read(
    hass: HomeAssistant,
    triggered: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())
    hass.states.async_set(OWNER, "home")
    await hass.async_block_till_done()

    await hass.config_entries.async_unload(triggered.entry_id)
    await next_poll(hass, freezer, timedelta(minutes=5).total_seconds())

    assert len(smartcar.calls("GET", SIGNALS)) == 1


async def test_a_car_that_left_the_account_while_its_read_was_pending_is_not_read(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    hass.states.async_set(OWNER, "not_home")
    smartcar.add_vehicle("ev")
    smartcar.add_vehicle("petrol")
    entry = entry_read_when(OWNER)
    await setup_entry(hass, entry)
    petrol = f"{API_V3}/vehicles/{PETROL_ID}/signals"
    # 13:59: the owner comes home (the clock's jump ran the cars' polls at 13:59); at 14:00 the
    # cars are listed again and the petrol car has left; only the EV is read, at the floor's end.
    await next_poll(hass, freezer, timedelta(hours=5, minutes=59).total_seconds())
    hass.states.async_set(OWNER, "home")
    await hass.async_block_till_done()
    smartcar.remove_vehicle(PETROL_ID)
    petrol_reads = len(smartcar.calls("GET", petrol))
    ev_reads = len(smartcar.calls("GET", SIGNALS))

    await next_poll(hass, freezer, 60)
    assert PETROL_ID not in entry.runtime_data.vehicles
    await next_poll(hass, freezer, timedelta(minutes=20).total_seconds())

    assert len(smartcar.calls("GET", petrol)) == petrol_reads
    assert len(smartcar.calls("GET", SIGNALS)) == ev_reads + 1
