"""The v3 signals the entities of issue 11 need, read from their documented bodies.

Bodies as SMARTCAR_V3.md §4.2 quotes Smartcar's signal reference.
"""

from typing import Any

import pytest

from custom_components.smartcar.api.models import VehicleState
from custom_components.smartcar.api.signals import read_signal


def _resource(code: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": code,
        "type": "signal",
        "attributes": {"code": code, "status": {"value": "SUCCESS"}, "body": body},
        "meta": {"retrievedAt": 1792483200000, "oemUpdatedAt": 1792483080000},
    }


def _read(code: str, body: dict[str, Any]) -> VehicleState:
    read_code, state, error = read_signal(_resource(code, body))
    assert read_code == code
    assert error is None
    assert state is not None
    return state


@pytest.mark.parametrize(
    ("body", "kwh"),
    [
        ({"unit": "kilowatt_hours", "value": 23.4}, 23.4),
        ({"unit": "kilowatt-hours", "value": 7}, 7.0),
        ({"unit": "kWh", "value": 1.5}, 1.5),
        ({"unit": "watthours", "value": 1500}, 1.5),
    ],
)
def test_energy_added_is_read_in_kwh(body: dict[str, Any], kwh: float) -> None:
    assert _read("charge-energyadded", body).charge_energy_added_kwh == kwh


def test_energy_added_in_an_unknown_unit_is_an_error_not_a_value() -> None:
    _code, state, error = read_signal(
        _resource("charge-energyadded", {"unit": "joules", "value": 5})
    )

    assert state is None
    assert error is not None


def test_software_version_is_read() -> None:
    state = _read("connectivitysoftware-currentfirmwareversion", {"value": "2024.4.5"})

    assert state.firmware_version == "2024.4.5"


@pytest.mark.parametrize(
    ("status", "alert"), [("ALERT", True), ("OK", False), ("SOMETHING", None)]
)
def test_tire_pressure_system_signal_is_read(status: str, alert: bool | None) -> None:
    state = _read(
        "diagnostics-tirepressure", {"status": status, "description": "Low pressure"}
    )

    assert state.tire_pressure_alert is alert
