"""The v3 signals the entities of issue 11 read, from their documented bodies.

Bodies as SMARTCAR_V3.md §4.2 quotes Smartcar's signal reference; the entities rely on these
fields (energy added, software version, the tyre pressure system).
"""

from typing import Any

import pytest

from custom_components.smartcar.api.models import SystemHealth, VehicleState
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
        ({"unit": "watthours", "value": 1500}, 1.5),
    ],
)
def test_energy_added_is_read_in_kwh(body: dict[str, Any], kwh: float) -> None:
    assert _read("charge-energyadded", body).energy_added_kwh == kwh


def test_software_version_is_read() -> None:
    state = _read("connectivitysoftware-currentfirmwareversion", {"value": "2024.4.5"})

    assert state.software_version == "2024.4.5"


@pytest.mark.parametrize(
    ("status", "health"), [("ALERT", SystemHealth.ALERT), ("OK", SystemHealth.OK)]
)
def test_tire_pressure_system_signal_is_read(status: str, health: SystemHealth) -> None:
    state = _read(
        "diagnostics-tirepressure", {"status": status, "description": "Low pressure"}
    )

    assert state.system_statuses is not None
    ((system_id, read_health),) = [
        (system.system_id, system.status) for system in state.system_statuses
    ]
    assert (system_id, read_health) == ("diagnostics-tirepressure", health)
