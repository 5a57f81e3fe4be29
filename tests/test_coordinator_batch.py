"""Polling one car read with v2 batch: what is asked, what is dropped, the v3 fall back.

Every test starts at 20 October 2026, 08:00 UTC (280 hours left in the billing period; 450
requests for polls). A batch is billed one request per path it asks.
"""

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartcar.const import ReadPath

from .conftest import (
    ALL_SCOPES,
    API,
    API_V3,
    DOMAIN,
    EV_ID,
    Reply,
    SmartcarMock,
    make_entry,
    next_poll,
    setup_entry,
    v2_error,
    v3_error,
)
from .test_coordinator import (
    ATTRIBUTES,
    BATTERY,
    LOCK,
    NEXT_PERIOD_POLL,
    NOW,
    ODOMETER,
    SIGNALS,
    coordinator_of,
    fixture_signals,
    planned,
    poll_when_due,
    store_usage,
)

BATCH = f"{API}/vehicles/{EV_ID}/batch"
LOCATION = "device_tracker.tesla_model_3_location"
CAPACITY = "sensor.tesla_model_3_battery_capacity"
# Every batch path an EV entity can use, in Smartcar's order (no /vin: no entity shows it).
ALL_PATHS = [
    "/battery",
    "/battery/capacity",
    "/charge",
    "/charge/limit",
    "/fuel",
    "/odometer",
    "/location",
    "/security",
    "/tires/pressure",
    "/engine/oil",
    "/diagnostics/dtcs",
    "/diagnostics/system_status",
]
# What the enabled entities need once /fuel and /engine/oil answered 501 (the battery capacity
# sensor is disabled by default).
NEEDED_PATHS = [
    "/battery",
    "/charge",
    "/charge/limit",
    "/odometer",
    "/location",
    "/security",
    "/tires/pressure",
    "/diagnostics/dtcs",
    "/diagnostics/system_status",
]


# Polls of the 9 paths the entities need: 450 / 9 = 50 in October's 31 days. A car set up on
# the 20th is far behind that pace: twice the daily pace, 24 h x 31 / 100 = 7 h 26 min 24 s.
BATCH_CATCH_UP = timedelta(hours=7, minutes=26, seconds=24)


def path_error(
    status: int, error_type: str, code: str | None = None, **headers: str
) -> Any:
    """One failed path of a batch answer."""
    body = {
        "type": error_type,
        "code": code,
        "description": error_type,
        "statusCode": status,
    }
    return {"code": status, "body": body, "headers": headers}


@pytest.fixture
async def batch_entry(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> MockConfigEntry:
    """A loaded entry reading the EV with v2 batch (its first poll ran)."""
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    await setup_entry(hass, entry)
    return entry


async def reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


# --- what is asked ------------------------------------------------------------------------


async def test_batch_reads_only_what_enabled_entities_need_and_drops_501_paths(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await poll_when_due(hass, freezer, batch_entry)
    await poll_when_due(hass, freezer, batch_entry)

    first, second, third = smartcar.batch_paths(EV_ID)
    assert first == ALL_PATHS
    # The entities appeared after the first read: their paths once, then the energy tier.
    assert second == NEEDED_PATHS
    assert third == ["/battery", "/charge"]
    # Billed per path answered: the attributes, then 10 of 12 (two answered 501), 9 and 2.
    assert batch_entry.runtime_data.ledger.usage(EV_ID, NOW).used == 1 + 10 + 9 + 2
    assert len(smartcar.calls("GET", ATTRIBUTES)) == 1
    assert hass.states.get(BATTERY).state == "76.0"


async def test_batch_poll_is_paced_by_the_paths_it_asks(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    polled = await poll_when_due(hass, freezer, batch_entry)

    # 1 + 10 + 9 = 20 used, far behind October's pace. The paced cost is 4: /battery and
    # /charge, and 9 slower-tier reads a day counted as ceil(9 / 5) = 2 paths a poll; 450 / 4
    # polls a month, twice the daily pace: 24 h x 31 x 4 / 900 = 3 h 18 min 24 s.
    assert planned(batch_entry) == (
        polled + timedelta(hours=3, minutes=18, seconds=24),
        "spread",
    )


async def test_batch_first_plan_counts_the_paths_the_entities_need(
    batch_entry: MockConfigEntry,
) -> None:
    assert planned(batch_entry) == (NOW + BATCH_CATCH_UP, "spread")


async def test_501_path_is_not_asked_again_after_restart(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await reload(hass, batch_entry)

    # The stored values are shown at once, without asking Smartcar.
    assert hass.states.get(BATTERY).state == "76.0"
    assert len(smartcar.batch_paths(EV_ID)) == 1
    await poll_when_due(hass, freezer, batch_entry)
    assert smartcar.batch_paths(EV_ID)[-1] == NEEDED_PATHS
    assert len(smartcar.calls("GET", ATTRIBUTES)) == 1


async def test_enabling_an_entity_reads_its_path_again(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    entity_registry.async_update_entity(CAPACITY, disabled_by=None)
    await reload(hass, batch_entry)
    await poll_when_due(hass, freezer, batch_entry)

    assert "/battery/capacity" in smartcar.batch_paths(EV_ID)[-1]
    assert hass.states.get(CAPACITY).state == "75.0"


@pytest.mark.parametrize("platforms", [[Platform.BUTTON]])
async def test_nothing_is_read_when_no_entity_needs_data(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    await poll_when_due(hass, freezer, batch_entry)
    await poll_when_due(hass, freezer, batch_entry)

    # Only the first poll, which learned what the car answers.
    assert len(smartcar.batch_paths(EV_ID)) == 1
    assert batch_entry.runtime_data.ledger.usage(EV_ID, NOW).used == 1 + 10


# --- failed paths -------------------------------------------------------------------------


async def test_batch_keeps_values_of_sleeping_paths(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    asleep = path_error(409, "VEHICLE_STATE", "ASLEEP")
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{"/battery": asleep})

    await poll_when_due(hass, freezer, batch_entry)
    await poll_when_due(hass, freezer, batch_entry)

    assert hass.states.get(BATTERY).state == "76.0"
    # Asked again: it will answer once the car wakes.
    assert "/battery" in smartcar.batch_paths(EV_ID)[-1]


async def test_batch_path_refused_for_permission_at_setup_creates_no_entity(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    entry = make_entry(read_path="batch")
    smartcar.add_vehicle("ev")
    denied = path_error(403, "PERMISSION")
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{"/odometer": denied})
    await setup_entry(hass, entry)

    await poll_when_due(hass, freezer, entry)

    assert "/odometer" not in smartcar.batch_paths(EV_ID)[-1]
    assert hass.states.get(ODOMETER) is None
    assert hass.states.get(BATTERY).state == "76.0"


async def test_batch_path_no_longer_granted_is_dropped_with_its_value(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    assert hass.states.get(ODOMETER).state == "18234.6"
    denied = path_error(403, "PERMISSION")
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{"/odometer": denied})

    await poll_when_due(hass, freezer, batch_entry)
    await poll_when_due(hass, freezer, batch_entry)

    assert hass.states.get(ODOMETER).state == "unavailable"
    assert hass.states.get(BATTERY).state == "76.0"
    assert "/odometer" in smartcar.batch_paths(EV_ID)[-2]
    assert "/odometer" not in smartcar.batch_paths(EV_ID)[-1]


@pytest.mark.parametrize(
    ("path", "error", "entity"),
    [
        ("/odometer", path_error(404, "RESOURCE_NOT_FOUND", "PATH"), ODOMETER),
        ("/location", path_error(400, "VALIDATION", "PARAMETER"), LOCATION),
        (
            "/odometer",
            path_error(501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"),
            ODOMETER,
        ),
    ],
    ids=["not_found", "validation", "not_capable"],
)
async def test_batch_path_never_answered_is_dropped_with_its_values_for_good(
    hass: HomeAssistant,
    *,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    path: str,
    error: Any,
    entity: str,
) -> None:
    assert hass.states.get(entity).state != "unavailable"
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev", **{path: error})

    await poll_when_due(hass, freezer, batch_entry)
    await poll_when_due(hass, freezer, batch_entry)

    assert path in smartcar.batch_paths(EV_ID)[-2]
    assert path not in smartcar.batch_paths(EV_ID)[-1]
    # A value nobody will read again is not shown as if it were current.
    assert hass.states.get(entity).state == "unavailable"
    assert hass.states.get(BATTERY).state == "76.0"
    # Not even after a restart.
    await reload(hass, batch_entry)
    await poll_when_due(hass, freezer, batch_entry)
    assert path not in smartcar.batch_paths(EV_ID)[-1]


async def test_batch_path_rejecting_the_token_starts_reauth_and_keeps_values(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    rejected = path_error(401, "AUTHENTICATION")
    smartcar.routes["POST", BATCH] = smartcar.batch_route(
        "ev", **{"/battery": rejected}
    )

    await poll_when_due(hass, freezer, batch_entry)

    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(ODOMETER).state == "18234.6"


async def test_batch_path_refused_for_billing_stops_polling_until_the_period_resets(
    hass: HomeAssistant,
    *,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    refused = path_error(430, "BILLING", "VEHICLE_REQUEST_LIMIT")
    smartcar.routes["POST", BATCH] = smartcar.batch_route(
        "ev", **{"/odometer": refused}
    )

    await poll_when_due(hass, freezer, batch_entry)

    assert issue_registry.async_get_issue(DOMAIN, f"billing_limit_{EV_ID}") is not None
    assert batch_entry.runtime_data.ledger.usage(
        EV_ID, dt_util.utcnow()
    ).billing_blocked
    assert planned(batch_entry) == (NEXT_PERIOD_POLL, "billing")
    # What the other paths brought is shown.
    assert hass.states.get(BATTERY).state == "76.0"
    await next_poll(hass, freezer, timedelta(days=10).total_seconds())
    assert len(smartcar.batch_paths(EV_ID)) == 2


async def test_batch_path_rate_limited_backs_off(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    limited = path_error(429, "RATE_LIMIT", "VEHICLE", **{"retry-after": "86400"})
    smartcar.routes["POST", BATCH] = smartcar.batch_route(
        "ev", **{"/odometer": limited}
    )

    polled = await poll_when_due(hass, freezer, batch_entry)

    assert planned(batch_entry) == (polled + timedelta(days=1), "rate_limited")
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(ODOMETER).state == "18234.6"
    smartcar.routes["POST", BATCH] = smartcar.batch_route("ev")
    await next_poll(hass, freezer, timedelta(hours=23).total_seconds())
    assert len(smartcar.batch_paths(EV_ID)) == 2
    await next_poll(hass, freezer, timedelta(hours=1).total_seconds())
    assert len(smartcar.batch_paths(EV_ID)) == 3


async def test_a_failed_batch_bills_nothing(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.routes["POST", BATCH] = v2_error(500, "SERVER", "INTERNAL")

    await poll_when_due(hass, freezer, batch_entry)

    # Smartcar bills successful requests only: the attributes and the first poll's 10 paths.
    assert batch_entry.runtime_data.ledger.usage(EV_ID, NOW).used == 1 + 10
    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(ODOMETER).state == "18234.6"


# --- a car v3 signals refuse --------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (v3_error(501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"), "501"),
        (v3_error(404, "RESOURCE_NOT_FOUND", "PATH"), "404"),
    ],
    ids=["not_capable", "not_found"],
)
async def test_car_without_v3_signals_is_read_with_batch(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
    reply: Reply,
    reason: str,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", SIGNALS] = reply

    await setup_entry(hass, config_entry)

    assert hass.states.get(BATTERY).state == "76.0"
    assert smartcar.batch_paths(EV_ID) == [ALL_PATHS]
    # The attributes and the 10 batch paths answered; the refused signals request is free.
    assert config_entry.runtime_data.ledger.usage(EV_ID, NOW).used == 1 + 10
    assert coordinator_of(config_entry).read_path(NOW) is ReadPath.BATCH
    issue = issue_registry.async_get_issue(DOMAIN, f"signals_unavailable_{EV_ID}")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert reason in issue.translation_placeholders["reason"]
    # Only this car: the entry's choice stays.
    assert config_entry.options["read_path"] == "signals"

    await reload(hass, config_entry)
    await poll_when_due(hass, freezer, config_entry)
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert smartcar.batch_paths(EV_ID)[-1] == NEEDED_PATHS
    assert config_entry.options["read_path"] == "signals"


async def test_a_fall_back_to_batch_that_does_not_fit_the_budget_is_not_sent(
    hass: HomeAssistant,
    *,
    hass_storage: dict[str, Any],
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", SIGNALS] = v3_error(
        501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"
    )
    # With the attributes, 449 of the 450 for polls: room for the signals request, not for the
    # batch of ten paths the fall back would ask.
    store_usage(hass_storage, config_entry, 448)

    await setup_entry(hass, config_entry)

    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert smartcar.batch_paths(EV_ID) == []
    assert config_entry.runtime_data.ledger.usage(EV_ID, NOW).used == 449
    assert coordinator_of(config_entry).read_path(NOW) is ReadPath.BATCH
    assert planned(config_entry) == (NEXT_PERIOD_POLL, "budget_exhausted")
    # In November, more than seven days on, the signals are asked once more, and the batch
    # that now fits follows.
    await poll_when_due(hass, freezer, config_entry)
    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert smartcar.batch_paths(EV_ID) == [ALL_PATHS]


async def test_car_without_v3_signals_tries_them_again_after_seven_days(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", SIGNALS] = v3_error(
        501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"
    )
    await setup_entry(hass, config_entry)
    smartcar.routes["GET", SIGNALS] = fixture_signals()
    await poll_when_due(hass, freezer, config_entry)
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert len(smartcar.batch_paths(EV_ID)) == 2
    assert (
        coordinator_of(config_entry).read_path(NOW + timedelta(days=6))
        is ReadPath.BATCH
    )

    await next_poll(
        hass, freezer, (NOW + timedelta(days=7) - dt_util.utcnow()).total_seconds()
    )

    assert len(smartcar.calls("GET", SIGNALS)) == 2
    assert len(smartcar.batch_paths(EV_ID)) == 2
    assert coordinator_of(config_entry).read_path(dt_util.utcnow()) is ReadPath.SIGNALS
    assert (
        issue_registry.async_get_issue(DOMAIN, f"signals_unavailable_{EV_ID}") is None
    )
    assert hass.states.get(BATTERY).state == "76.0"


async def test_application_without_v3_reads_with_batch_and_remembers_it(
    hass: HomeAssistant,
    *,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    smartcar.add_vehicle("ev")
    not_found = v3_error(404, "RESOURCE_NOT_FOUND", "VERSION")
    smartcar.routes["GET", f"{API_V3}/vehicles/{EV_ID}"] = not_found
    smartcar.routes["GET", SIGNALS] = not_found

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(BATTERY).state == "76.0"
    assert len(smartcar.batch_paths(EV_ID)) == 1
    # The make, model and year come from v2, which every application has.
    assert smartcar.calls("GET", f"{API_V3}/vehicles/{EV_ID}") == []
    assert issue_registry.async_get_issue(DOMAIN, f"signals_unavailable_{EV_ID}")
    # Remembered for the car, not written into the options.
    assert config_entry.options["read_path"] == "signals"
    await reload(hass, config_entry)
    await poll_when_due(hass, freezer, config_entry)
    assert len(smartcar.calls("GET", SIGNALS)) == 1
    assert len(smartcar.batch_paths(EV_ID)) == 2


async def test_car_without_v3_and_without_readable_paths_reads_nothing(
    hass: HomeAssistant,
    credentials: None,
    smartcar: SmartcarMock,
    config_entry: MockConfigEntry,
) -> None:
    smartcar.add_vehicle("ev", scopes=["read_vehicle_info", "control_security"])
    smartcar.routes["GET", SIGNALS] = v3_error(
        501, "COMPATIBILITY", "VEHICLE_NOT_CAPABLE"
    )

    await setup_entry(hass, config_entry)

    assert config_entry.state is ConfigEntryState.LOADED
    assert smartcar.batch_paths(EV_ID) == []
    assert hass.states.get("button.tesla_model_3_refresh") is not None


# --- permissions --------------------------------------------------------------------------


async def test_permission_not_granted_creates_no_entity_and_reads_nothing_for_it(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = make_entry(read_path="batch")
    granted = [
        scope
        for scope in ALL_SCOPES
        if scope not in {"read_location", "control_security"}
    ]
    smartcar.add_vehicle("ev", scopes=granted)

    await setup_entry(hass, entry)

    assert hass.states.get(LOCATION) is None
    assert hass.states.get(LOCK) is None
    assert hass.states.get("binary_sensor.tesla_model_3_front_left_door") is not None
    assert "/location" not in smartcar.batch_paths(EV_ID)[0]


async def test_unreadable_permissions_fall_back_to_what_the_owner_chose(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    entry = make_entry(groups=["battery"])
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API}/vehicles/{EV_ID}/permissions"] = v2_error(
        403, "PERMISSION"
    )

    await setup_entry(hass, entry)

    assert hass.states.get(BATTERY).state == "76.0"
    assert hass.states.get(ODOMETER) is None
    assert hass.states.get("switch.tesla_model_3_charging") is None


async def test_lock_control_alone_brings_the_lock(
    hass: HomeAssistant, credentials: None, smartcar: SmartcarMock
) -> None:
    """The lock shows the lock state: choosing lock control grants reading it too."""
    entry = make_entry(groups=["control_security"])
    smartcar.add_vehicle("ev")
    smartcar.routes["GET", f"{API}/vehicles/{EV_ID}/permissions"] = v2_error(
        403, "PERMISSION"
    )

    await setup_entry(hass, entry)

    assert hass.states.get(LOCK).state == "locked"
    assert hass.states.get(BATTERY) is None


# --- tiers: slow data is asked only once its tier's interval passed (issue #10) ------------


async def test_after_a_restart_the_slower_tiers_keep_their_times(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    # The second poll reads what the new entities listen for; the third the energy tier.
    await poll_when_due(hass, freezer, batch_entry)
    await reload(hass, batch_entry)

    await poll_when_due(hass, freezer, batch_entry)

    assert smartcar.batch_paths(EV_ID)[-1] == ["/battery", "/charge"]


async def test_a_poll_is_only_sent_when_what_it_really_asks_fits(
    hass: HomeAssistant,
    batch_entry: MockConfigEntry,
    smartcar: SmartcarMock,
    freezer: FrozenDateTimeFactory,
) -> None:
    ledger = batch_entry.runtime_data.ledger
    # 1 + 10 used by the setup; 434 more leave 5 of the 450 for polls. The next poll would
    # ask the 9 paths the new entities listen for: more than the paced cost of 4, and more
    # than what is left.
    await ledger.async_record(EV_ID, 434, NOW)

    await poll_when_due(hass, freezer, batch_entry)

    assert len(smartcar.batch_paths(EV_ID)) == 1
    assert ledger.usage(EV_ID, NOW).used == 445
    assert planned(batch_entry) == (NEXT_PERIOD_POLL, "budget_exhausted")
