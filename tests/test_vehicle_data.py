"""What a car shows: each source owns its fields, null clears, older never replaces newer."""

from datetime import UTC, datetime, timedelta

from custom_components.smartcar.api.models import (
    ChargeState,
    DiagnosticTroubleCode,
    Fact,
    Opening,
    OpeningStatus,
    SystemHealth,
    SystemStatus,
    VehicleState,
)
from custom_components.smartcar.vehicle_data import ShownState, has_moved

T0 = datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
FRONT_OPEN = Opening(type="front", status=OpeningStatus.OPEN)
REAR_CLOSED = Opening(type="rear", status=OpeningStatus.CLOSED)
REAR_OPEN = Opening(type="rear", status=OpeningStatus.OPEN)


def fact(fields: set[str], age: datetime | None = T0, **values: object) -> Fact:
    return Fact(
        source="test",
        fields=frozenset(fields),
        values=VehicleState(**values),  # type: ignore[arg-type]
        age=age,
    )


def test_a_fact_replaces_exactly_the_fields_it_owns() -> None:
    shown = ShownState().apply(
        [
            fact(
                {"battery_percent", "battery_range_km"},
                battery_percent=80.0,
                battery_range_km=300.0,
            )
        ]
    )
    shown = shown.apply(
        [fact({"battery_percent"}, T0 + timedelta(minutes=5), battery_percent=79.0)]
    )

    assert (shown.values.battery_percent, shown.values.battery_range_km) == (
        79.0,
        300.0,
    )
    assert shown.values.data_age == T0 + timedelta(minutes=5)


def test_a_field_reported_as_null_is_cleared() -> None:
    shown = ShownState().apply([fact({"odometer_km"}, odometer_km=1000.0)])

    shown = shown.apply([fact({"odometer_km"}, T0 + timedelta(hours=1))])

    assert shown.values.odometer_km is None


def test_a_fact_older_than_what_is_shown_changes_nothing() -> None:
    shown = ShownState().apply([fact({"is_locked"}, T0, is_locked=False)])

    replay = shown.apply([fact({"is_locked"}, T0 - timedelta(days=3), is_locked=True)])

    assert replay == shown


def test_one_trunk_signal_keeps_the_other_trunk() -> None:
    shown = ShownState().apply(
        [
            fact({"storage.front"}, storage=(FRONT_OPEN,)),
            fact({"storage.rear"}, storage=(REAR_CLOSED,)),
        ]
    )

    shown = shown.apply(
        [fact({"storage.rear"}, T0 + timedelta(minutes=1), storage=(REAR_OPEN,))]
    )

    assert set(shown.values.storage or ()) == {FRONT_OPEN, REAR_OPEN}
    # The rear trunk reported as null leaves the front one alone.
    shown = shown.apply([fact({"storage.rear"}, T0 + timedelta(minutes=2))])
    assert shown.values.storage == (FRONT_OPEN,)


def test_a_confirmed_command_wins_until_the_car_reports_something_newer() -> None:
    car_clock_ahead = T0 + timedelta(minutes=3)
    shown = ShownState().apply([fact({"is_locked"}, car_clock_ahead, is_locked=False)])

    shown = shown.apply([fact({"is_locked"}, T0, is_locked=True)], confirmed=True)
    assert shown.values.is_locked is True
    # A poll answering with the car's earlier record does not undo the command...
    stale = shown.apply([fact({"is_locked"}, car_clock_ahead, is_locked=False)])
    assert stale.values.is_locked is True
    # ...a newer record does.
    newer = shown.apply(
        [fact({"is_locked"}, car_clock_ahead + timedelta(seconds=1), is_locked=False)]
    )
    assert newer.values.is_locked is False


def test_facts_without_an_age_always_apply() -> None:
    shown = ShownState().apply([fact({"fuel_percent"}, T0, fuel_percent=50.0)])

    shown = shown.apply([fact({"fuel_percent"}, None, fuel_percent=40.0)])

    assert shown.values.fuel_percent == 40.0
    assert "fuel_percent" not in shown.ages


def test_gone_sources_clear_their_fields() -> None:
    shown = ShownState().apply(
        [
            fact({"storage.front", "storage.rear"}, storage=(FRONT_OPEN, REAR_CLOSED)),
            fact({"oil_life_percent"}, oil_life_percent=40.0),
        ]
    )

    shown = shown.without({"storage.front", "oil_life_percent"})

    assert shown.values.storage == (REAR_CLOSED,)
    assert shown.values.oil_life_percent is None
    assert "oil_life_percent" not in shown.ages


def test_the_vin_is_never_kept() -> None:
    shown = ShownState().apply([fact({"vin"}, vin="5YJ3E1EA7KF000000")])

    assert shown.values.vin is None
    assert "vin" not in str(shown.to_json())


def test_every_kind_of_value_survives_json() -> None:
    values = VehicleState(
        battery_percent=76.0,
        charge_state=ChargeState.CHARGING,
        is_charging=True,
        doors=(Opening(type="frontLeft", status=OpeningStatus.OPEN),),
        storage=(FRONT_OPEN, REAR_CLOSED),
        trouble_codes=(DiagnosticTroubleCode(code="P0300", timestamp=T0),),
        system_statuses=(
            SystemStatus(
                system_id="SYSTEM_TPMS", status=SystemHealth.ALERT, description=None
            ),
        ),
        odometer_km=12.5,
    )
    shown = ShownState().apply(
        [
            fact(
                set(values.known_fields()) - {"storage"}
                | {"storage.front", "storage.rear"},
                **{name: getattr(values, name) for name in values.known_fields()},
            )
        ]
    )

    restored = ShownState.from_json(shown.to_json())

    assert restored == shown
    assert restored.values.charge_state is ChargeState.CHARGING
    assert restored.values.data_age == T0


def test_stored_fields_this_version_does_not_know_are_dropped() -> None:
    restored = ShownState.from_json(
        {"values": {"battery_percent": 50, "warp_drive_level": 9}, "ages": {}}
    )

    assert restored.values.battery_percent == 50.0


def test_moving_means_the_third_decimal_of_the_position_changed() -> None:
    here = VehicleState(latitude=52.3731, longitude=4.8922)

    assert not has_moved(here, VehicleState(latitude=52.37312, longitude=4.89221))
    assert has_moved(here, VehicleState(latitude=52.3751, longitude=4.8922))
    assert not has_moved(VehicleState(), here)
