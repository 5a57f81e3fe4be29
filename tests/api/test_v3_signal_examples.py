"""v3 signals: the shared example payloads parse to the values they state, and each variant.

Every test names the source of the shape it pins (keys of SMARTCAR_V3.md §7).
"""

from datetime import UTC, datetime
from typing import Any

from custom_components.smartcar.api import (
    NotCapableError,
    SmartcarClient,
    VehicleState,
    VehicleStateError,
)
from custom_components.smartcar.api.models import (
    ChargeState,
    Opening,
    OpeningStatus,
    SystemHealth,
    SystemStatus,
)
from custom_components.smartcar.api.signals import parse_signals

from .conftest import Canned, FakeSmartcar
from .examples import example

VW_AGE = datetime(2026, 9, 22, 12, 34, 51, tzinfo=UTC)


def closed_locked(name: str) -> Opening:
    return Opening(type=name, status=OpeningStatus.CLOSED, is_locked=True)


def test_vw_id_buzz_fixture_t4_parses_to_the_values_it_states() -> None:
    body = example("signals-list-vw-idbuzz-trooperthorn-fixture.json")

    result = parse_signals(body["data"])

    state = result.state
    assert state.charge_limit_percent == 80.0
    assert state.charge_state is ChargeState.NOT_CHARGING
    assert state.is_charging is False
    assert state.is_plugged_in is False
    assert state.doors == tuple(
        closed_locked(name)
        for name in ("frontLeft", "frontRight", "backLeft", "backRight")
    )
    assert state.windows == tuple(
        Opening(type=name, status=OpeningStatus.CLOSED)
        for name in ("frontLeft", "frontRight", "backLeft", "backRight")
    )
    assert state.storage == (closed_locked("front"), closed_locked("rear"))
    assert state.is_engine_cover_open is False
    assert state.is_locked is True
    assert (state.latitude, state.longitude) == (32.7767, -96.797)
    assert state.location_type == "LAST_PARKED"
    assert state.odometer_km == 32208.0
    assert state.battery_capacity_kwh == 86.0
    assert state.battery_range_km == 280.0
    assert state.battery_percent == 45.0
    assert state.vin == "WVGAWVEB4SH018592"
    assert state.data_age == VW_AGE
    # The nine verbatim per-signal errors, each keyed by its code with its own class.
    assert {code: type(err) for code, err in result.errors.items()} == {
        "charge-chargerate": VehicleStateError,
        "charge-timetocomplete": VehicleStateError,
        "charge-wattage": VehicleStateError,
        "closure-sunroof": NotCapableError,
        "connectivitystatus-isasleep": NotCapableError,
        "connectivitystatus-isonline": NotCapableError,
        "vehicleidentification-nickname": NotCapableError,
        "vehicleuseraccount-permissions": NotCapableError,
        "vehicleuseraccount-role": NotCapableError,
    }
    not_charging = result.errors["charge-chargerate"]
    assert isinstance(not_charging, VehicleStateError)
    assert not_charging.code == "NOT_CHARGING"
    assert not_charging.resolution is not None
    assert not_charging.resolution.type == "UNKNOWN_RESOLUTION_TYPE"
    # One fact per successful signal, each with the age of its ISO `oemUpdatedAt`.
    assert len(result.facts) == 16
    assert {fact.age for fact in result.facts} == {VW_AGE}


def test_java_sdk_signals_fixture_with_epoch_ms_timestamps() -> None:
    body = example("signals-list-java-sdk-fixture.json")

    result = parse_signals(body["data"])

    assert result.state.odometer_km == 115071.50046584333
    # 1752104118549 ms = 2025-07-09T23:35:18.549Z
    assert result.state.data_age == datetime(2025, 7, 9, 23, 35, 18, 549000, tzinfo=UTC)
    assert result.errors == {}


def test_java_sdk_single_signal_fixture() -> None:
    result = parse_signals([example("signal-get-java-sdk-fixture.json")])

    assert result.state.odometer_km == 115071.50046584333


def test_docs_signals_example_s15_epoch_seconds_and_volts() -> None:
    body = example("signals-list-docs-example.json")

    result = parse_signals(body["data"])

    assert result.state.charge_voltage_v == 85.0
    # 1696156799 s = 2023-10-01T10:39:59Z (seconds, not milliseconds)
    assert result.state.data_age == datetime(2023, 10, 1, 10, 39, 59, tzinfo=UTC)


def test_docs_single_signal_example_with_camel_case_code_is_ignored_not_fatal() -> None:
    # [S15 get-signal] prints `chargeVoltage`, a code no list page uses: unknown, ignored.
    result = parse_signals([example("signal-get-docs-example.json")])

    assert result.state == VehicleState()
    assert result.errors == {}


async def test_signals_read_of_the_vw_fixture_pages_by_page_number_t4(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    vehicle_id = "a1d50709-3502-4faa-ba43-a5c7565e6a09"
    smartcar.reply(
        "GET",
        f"/v3api/v3/vehicles/{vehicle_id}/signals",
        Canned(example("signals-list-vw-idbuzz-trooperthorn-fixture.json")),
    )

    result = await client.get_signals(vehicle_id, user_id="user-1")

    # meta {totalCount 25, pageSize 25, pageNumber 1}: one page holds everything.
    request = smartcar.only()
    assert request.headers["sc-user-id"] == "user-1"
    assert result.billed_requests == 1
    assert result.state.battery_percent == 45.0


def signal(code: str, body: dict[str, Any] | None, status: str = "SUCCESS") -> Any:
    item: dict[str, Any] = {"code": code, "status": {"value": status}}
    if body is not None:
        item["body"] = body
    item["meta"] = {"oemUpdatedAt": "2026-10-01T08:00:00Z"}
    return item


def test_unavailable_signal_s28_owns_its_fields_as_unknown_and_is_no_error() -> None:
    result = parse_signals(
        [signal("tractionbattery-stateofcharge", None, "UNAVAILABLE")]
    )

    assert result.errors == {}
    assert result.state.battery_percent is None
    (fact,) = result.facts
    assert fact.fields == {"battery_percent"}
    assert fact.values == VehicleState()
    assert fact.age == datetime(2026, 10, 1, 8, tzinfo=UTC)


def test_error_signal_with_a_null_body_t4_is_only_an_error() -> None:
    result = parse_signals(
        [
            {
                "code": "charge-wattage",
                "status": {
                    "value": "ERROR",
                    "error": {"type": "VEHICLE_STATE", "code": "NOT_CHARGING"},
                },
                "body": {"value": None, "unit": "watt"},
            }
        ]
    )

    assert result.facts == ()
    assert isinstance(result.errors["charge-wattage"], VehicleStateError)


def test_unit_words_percent_and_percentage_s28_t4() -> None:
    percent = parse_signals(
        [signal("tractionbattery-stateofcharge", {"unit": "percent", "value": 61})]
    )
    percentage = parse_signals(
        [signal("tractionbattery-stateofcharge", {"unit": "percentage", "value": 61})]
    )

    assert percent.state.battery_percent == percentage.state.battery_percent == 61.0


def test_unit_words_kwh_and_kilowatt_hours_s28_t4() -> None:
    kwh = parse_signals(
        [signal("tractionbattery-nominalcapacity", {"unit": "kWh", "capacity": 77})]
    )
    spelled = parse_signals(
        [
            signal(
                "tractionbattery-nominalcapacity",
                {"unit": "kilowatt-hours", "value": 77},
            )
        ]
    )
    kwhr = parse_signals(
        [signal("tractionbattery-nominalcapacity", {"unit": "kWhr", "capacity": 77})]
    )

    assert {
        kwh.state.battery_capacity_kwh,
        spelled.state.battery_capacity_kwh,
        kwhr.state.battery_capacity_kwh,
    } == {77.0}


def test_range_of_type_default_t4_reads_its_value() -> None:
    result = parse_signals(
        [
            signal(
                "tractionbattery-range",
                {"value": 280, "type": "DEFAULT", "additionalValues": [], "unit": "km"},
            )
        ]
    )

    assert result.state.battery_range_km == 280.0


def test_iso_and_epoch_ms_timestamps_give_the_same_age_t4_sdk_java() -> None:
    iso = parse_signals(
        [
            {
                "code": "charge-voltage",
                "body": {"value": 1},
                "meta": {"oemUpdatedAt": "2025-07-09T23:35:18.549Z"},
            }
        ]
    )
    epoch_ms = parse_signals(
        [
            {
                "code": "charge-voltage",
                "body": {"value": 1},
                "meta": {"oemUpdatedAt": 1752104118549},
            }
        ]
    )

    assert iso.state.data_age == epoch_ms.state.data_age is not None


def test_epoch_zero_age_of_the_dashboard_sample_t4_is_unknown() -> None:
    result = parse_signals(
        [
            {
                "code": "vehicleidentification-vin",
                "body": {"value": "5YJSA1CN5DFP00101"},
                "meta": {"oemUpdatedAt": 0, "retrievedAt": 0},
            }
        ]
    )

    assert result.state.vin == "5YJSA1CN5DFP00101"
    assert result.facts[0].age is None


def test_each_diagnostics_system_s28_owns_its_own_entry_and_they_unite() -> None:
    result = parse_signals(
        [
            signal("diagnostics-abs", {"status": "OK"}),
            signal("diagnostics-airbag", {"status": "ALERT", "description": "Service"}),
        ]
    )

    assert result.state.system_statuses == (
        SystemStatus(system_id="diagnostics-abs", status=SystemHealth.OK),
        SystemStatus(
            system_id="diagnostics-airbag",
            status=SystemHealth.ALERT,
            description="Service",
        ),
    )
    assert [fact.fields for fact in result.facts] == [
        {"system_statuses.diagnostics-abs"},
        {"system_statuses.diagnostics-airbag"},
    ]


def test_detailed_status_alone_gives_is_charging_by_the_v2_charge_rule() -> None:
    result = parse_signals(
        [signal("charge-detailedchargingstatus", {"value": "CHARGING"})]
    )

    assert result.state.charge_state is ChargeState.CHARGING
    assert result.state.is_charging is True
    (fact,) = result.facts
    assert fact.fields == {"charge_state", "is_charging"}


def test_with_charge_ischarging_each_signal_keeps_its_own_field() -> None:
    # A car may report them apart (charging per ischarging, NOT_CHARGING per the detail):
    # is_charging stays charge-ischarging's, charge_state the detailed status's.
    result = parse_signals(
        [
            signal("charge-ischarging", {"value": True}),
            signal("charge-detailedchargingstatus", {"value": "NOT_CHARGING"}),
        ]
    )

    assert result.state.is_charging is True
    assert result.state.charge_state is ChargeState.NOT_CHARGING
    assert [fact.fields for fact in result.facts] == [{"is_charging"}, {"charge_state"}]


def test_doors_and_windows_under_their_own_key_t3_spec_example() -> None:
    result = parse_signals(
        [
            signal(
                "closure-doors",
                {"doors": [{"row": 0, "column": 0, "isOpen": True, "isLocked": False}]},
            ),
            signal(
                "closure-windows",
                {"windows": [{"row": 0, "column": 1, "isOpen": False}]},
            ),
        ]
    )

    assert result.state.doors == (
        Opening(type="frontLeft", status=OpeningStatus.OPEN, is_locked=False),
    )
    assert result.state.windows == (
        Opening(type="frontRight", status=OpeningStatus.CLOSED),
    )
