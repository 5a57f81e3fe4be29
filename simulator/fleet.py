"""The simulated cars: their state, how it evolves, and how they refuse commands.

State is kept in metric units and fractions (0-1) like Smartcar's v2 API. Charging is computed from
elapsed time: ``state_of_charge`` is the value at ``soc_updated_at``; ``settle(now)`` adds
``charge_rate_per_minute`` for every minute spent charging and stops at the charge limit
(state ``FULLY_CHARGED`` while plugged in).
"""

from dataclasses import dataclass, field
from typing import Any, Literal

from .clock import iso
from .errors import SmartcarApiError, make_error, state_error, validation_error

type Powertrain = Literal["BEV", "ICE", "PHEV"]

OPEN = "OPEN"
CLOSED = "CLOSED"
POSITIONS = ("frontLeft", "frontRight", "backLeft", "backRight")
# Row/column of each position in the v3 closure signals (row 0 = front, column 0 = left).
POSITION_GRID = {
    "frontLeft": (0, 0),
    "frontRight": (0, 1),
    "backLeft": (1, 0),
    "backRight": (1, 1),
}

TESLA_ID = "2f4a6c8e-0b1d-4f3a-8c5e-7a9b1c3d5e70"
TOYOTA_ID = "6b8d0f2a-4c6e-4a1b-9d3f-5e7a9c1b3d81"
VOLVO_ID = "a3c5e7f9-1b2d-4e6f-8a0c-2d4f6a8c0e92"


@dataclass(kw_only=True)
class Vehicle:
    """One simulated car."""

    vehicle_id: str
    make: str
    model: str
    year: int
    vin: str
    powertrain: Powertrain
    odometer_km: float
    latitude: float
    longitude: float
    heading: float = 0.0
    is_moving: bool = False
    is_locked: bool = True
    is_online: bool = True
    is_asleep: bool = False
    doors: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(POSITIONS, CLOSED)
    )
    windows: dict[str, str] = field(
        default_factory=lambda: dict.fromkeys(POSITIONS, CLOSED)
    )
    sunroof: str | None = None
    storage: dict[str, str] = field(
        default_factory=lambda: {"front": CLOSED, "rear": CLOSED}
    )
    # Traction battery (BEV/PHEV).
    battery_capacity_kwh: float | None = None
    nominal_capacities: list[dict[str, Any]] = field(default_factory=list)
    electric_range_km: float = 0.0
    state_of_charge: float = 0.0
    soc_updated_at: float = 0.0
    is_plugged_in: bool = False
    is_charging: bool = False
    charge_limit: float = 0.8
    charge_rate_per_minute: float = 0.01
    charge_voltage: float = 230.0
    charge_amperage: float = 16.0
    # Fuel (ICE/PHEV).
    fuel_tank_liters: float | None = None
    fuel_fraction: float = 0.0
    fuel_range_km: float = 0.0
    oil_life: float | None = None
    low_voltage_soc: float = 0.9
    low_voltage_status: str = "GOOD"
    tires_kpa: dict[str, float] = field(default_factory=dict)
    dtcs: list[dict[str, Any]] = field(default_factory=list)
    systems: list[dict[str, Any]] = field(default_factory=list)
    service_history: list[dict[str, Any]] = field(default_factory=list)
    # v2 paths (e.g. "/tires/pressure") or v3 signal codes this car cannot serve.
    unsupported: set[str] = field(default_factory=set)
    # How old the car's data is when read (SC-Data-Age = now - this).
    data_age_seconds: float = 0.0
    destination: dict[str, Any] | None = None
    # V3-only state.
    is_charge_port_open: bool = False
    # Seconds a v3 command takes in this car (None = the simulator's setting).
    command_duration_seconds: float | None = None
    nickname: str | None = None
    exterior_color: str = "Black"
    trim: str = "Base"
    firmware_version: str = "1.0.0"
    outside_temperature: float = 12.0
    cabin_temperature: float = 19.5
    # Injected per-signal outcomes: code -> {"status": "ERROR"|"UNAVAILABLE", "type", "code"}.
    signal_statuses: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def has_battery(self) -> bool:
        return self.powertrain in {"BEV", "PHEV"}

    @property
    def has_engine(self) -> bool:
        return self.powertrain in {"ICE", "PHEV"}

    def settle(self, now: float) -> None:
        """Bring the charging state up to ``now``."""
        if self.is_charging:
            minutes = max(0.0, now - self.soc_updated_at) / 60.0
            reached = self.state_of_charge + self.charge_rate_per_minute * minutes
            if reached >= self.charge_limit:
                reached = max(self.charge_limit, self.state_of_charge)
                self.is_charging = False
            self.state_of_charge = min(1.0, reached)
        self.soc_updated_at = now

    @property
    def charge_state(self) -> str:
        if self.is_charging:
            return "CHARGING"
        if self.is_plugged_in and self.state_of_charge >= self.charge_limit - 1e-9:
            return "FULLY_CHARGED"
        return "NOT_CHARGING"

    @property
    def battery_range_km(self) -> float:
        return round(self.state_of_charge * self.electric_range_km, 1)

    @property
    def fuel_liters(self) -> float:
        return round(self.fuel_fraction * (self.fuel_tank_liters or 0.0), 2)

    @property
    def fuel_range(self) -> float:
        return round(self.fuel_fraction * self.fuel_range_km, 1)

    @property
    def charge_power_kw(self) -> float:
        if not self.is_charging:
            return 0.0
        return round(self.charge_voltage * self.charge_amperage / 1000.0, 2)

    @property
    def minutes_to_complete(self) -> float:
        if not self.is_charging or self.charge_rate_per_minute <= 0:
            return 0.0
        return round(
            (self.charge_limit - self.state_of_charge) / self.charge_rate_per_minute, 1
        )

    # Commands: each raises the VEHICLE_STATE error a real car would answer with.

    def lock(self) -> None:
        if self.is_moving:
            raise state_error("IN_MOTION")
        if any(status == OPEN for status in self.doors.values()):
            raise state_error("DOOR_OPEN")
        if self.storage.get("rear") == OPEN:
            raise state_error("TRUNK_OPEN")
        if self.storage.get("front") == OPEN:
            # An open front storage is the hood on a car with an engine, a trunk on an EV.
            raise state_error("HOOD_OPEN" if self.has_engine else "TRUNK_OPEN")
        self.is_locked = True

    def unlock(self) -> None:
        if self.is_moving:
            raise state_error("IN_MOTION")
        self.is_locked = False

    def start_charging(self, now: float) -> None:
        self.settle(now)
        if not self.is_plugged_in:
            raise state_error("CHARGING_PLUG_NOT_CONNECTED")
        if self.is_charging:
            raise state_error("CHARGING_IN_PROGRESS")
        if self.state_of_charge >= self.charge_limit - 1e-9:
            raise state_error("FULLY_CHARGED")
        self.is_charging = True
        self.soc_updated_at = now

    def stop_charging(self, now: float) -> None:
        self.settle(now)
        if not self.is_charging:
            raise state_error("NOT_CHARGING")
        self.is_charging = False

    def set_charge_limit(self, limit: object, now: float) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int | float):
            raise validation_error("limit", "must be a number")
        if not 0.5 <= limit <= 1.0:
            raise validation_error("limit", "must be between 0.5 and 1")
        self.settle(now)
        self.charge_limit = float(limit)
        # Lowering the limit below the current charge ends the session at once.
        self.settle(now)

    def set_plugged_in(self, plugged_in: bool, now: float) -> None:
        self.settle(now)
        self.is_plugged_in = plugged_in
        if plugged_in:
            self.is_charge_port_open = True
        else:
            self.is_charging = False

    def open_charge_port(self) -> None:
        self.is_charge_port_open = True

    def close_charge_port(self) -> None:
        if self.is_plugged_in:
            raise state_error("CHARGING_PLUG_CONNECTED")
        self.is_charge_port_open = False

    def set_state_of_charge(self, fraction: float, now: float) -> None:
        self.settle(now)
        self.state_of_charge = fraction
        self.settle(now)

    def set_destination(self, latitude: object, longitude: object, now: float) -> None:
        for name, value, bound in (
            ("latitude", latitude, 90),
            ("longitude", longitude, 180),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise validation_error(name, "must be a number")
            if not -bound <= value <= bound:
                raise validation_error(name, f"must be between -{bound} and {bound}")
        self.destination = {
            "latitude": latitude,
            "longitude": longitude,
            "sent_at": iso(now),
        }


def refuse_unknown_action(action: object, allowed: tuple[str, ...]) -> str:
    """Validate a command ``action`` field."""
    if not isinstance(action, str) or action not in allowed:
        raise validation_error("action", "must be one of " + ", ".join(allowed))
    return action


def default_fleet(
    now: float, charge_rate_per_minute: float = 0.01
) -> dict[str, Vehicle]:
    """One battery-electric car, one petrol car, one plug-in hybrid, with stable ids."""
    tesla = Vehicle(
        vehicle_id=TESLA_ID,
        make="TESLA",
        model="Model 3",
        year=2023,
        vin="5YJ3E1EA7PF412345",
        powertrain="BEV",
        odometer_km=18452.3,
        latitude=52.520008,
        longitude=13.404954,
        heading=87.0,
        storage={"front": CLOSED, "rear": CLOSED},
        battery_capacity_kwh=75.0,
        nominal_capacities=[
            {"capacity": 75.0, "description": "Long Range"},
            {"capacity": 57.5, "description": "Standard Range"},
        ],
        electric_range_km=560.0,
        state_of_charge=0.62,
        soc_updated_at=now,
        is_plugged_in=True,
        charge_limit=0.8,
        charge_rate_per_minute=charge_rate_per_minute,
        charge_voltage=230.0,
        charge_amperage=16.0,
        low_voltage_soc=0.88,
        is_charge_port_open=True,
        nickname="Sparky",
        exterior_color="Pearl White",
        trim="Long Range",
        firmware_version="2026.38.4",
        tires_kpa=dict.fromkeys(POSITIONS, 290.0),
        systems=[
            {"systemId": "SYSTEM_ABS", "status": "OK", "description": None},
            {"systemId": "SYSTEM_AIRBAG", "status": "OK", "description": None},
            {"systemId": "SYSTEM_TPMS", "status": "OK", "description": None},
        ],
        unsupported={"/service/history"},
    )
    toyota = Vehicle(
        vehicle_id=TOYOTA_ID,
        make="TOYOTA",
        model="Corolla",
        year=2021,
        vin="JTDEPMAE6MJ123456",
        powertrain="ICE",
        odometer_km=64210.8,
        latitude=48.856613,
        longitude=2.352222,
        heading=180.0,
        is_locked=False,
        windows={**dict.fromkeys(POSITIONS, CLOSED), "frontLeft": OPEN},
        sunroof=CLOSED,
        fuel_tank_liters=50.0,
        fuel_fraction=0.62,
        fuel_range_km=750.0,
        oil_life=0.41,
        exterior_color="Silver",
        trim="Comfort",
        firmware_version="21.4",
        low_voltage_soc=0.76,
        low_voltage_status="WARN",
        tires_kpa={
            "frontLeft": 230.0,
            "frontRight": 232.0,
            "backLeft": 228.0,
            "backRight": 195.0,
        },
        dtcs=[
            {"code": "P0420", "timestamp": "2025-12-20T08:15:00.000Z"},
            {"code": "C0750", "timestamp": None},
        ],
        systems=[
            {"systemId": "SYSTEM_ABS", "status": "OK", "description": None},
            {
                "systemId": "SYSTEM_EMISSIONS",
                "status": "ALERT",
                "description": "Catalyst efficiency below threshold",
            },
            {
                "systemId": "SYSTEM_TPMS",
                "status": "ALERT",
                "description": "Low pressure rear right tyre",
            },
        ],
        service_history=[
            {
                "serviceId": 1001,
                "serviceDate": "2025-03-14T09:30:00.000Z",
                "odometerDistance": 52000.0,
                "serviceTasks": [
                    {"taskId": "1", "taskDescription": "Oil and filter change"},
                    {"taskId": "2", "taskDescription": "Tyre rotation"},
                ],
                "serviceDetails": [{"type": "DEALER", "value": "Toyota Paris Est"}],
                "serviceCost": {"totalCost": 289.9, "currency": "EUR"},
            }
        ],
        unsupported={"/navigation/destination"},
    )
    volvo = Vehicle(
        vehicle_id=VOLVO_ID,
        make="VOLVO",
        model="XC60 Recharge",
        year=2024,
        vin="YV4H60DL5R1234567",
        powertrain="PHEV",
        odometer_km=9876.0,
        latitude=57.708870,
        longitude=11.974560,
        heading=270.0,
        sunroof=CLOSED,
        battery_capacity_kwh=18.8,
        nominal_capacities=[{"capacity": 18.8, "description": None}],
        electric_range_km=80.0,
        state_of_charge=0.35,
        soc_updated_at=now,
        is_plugged_in=False,
        charge_limit=1.0,
        charge_rate_per_minute=charge_rate_per_minute,
        charge_voltage=230.0,
        charge_amperage=10.0,
        fuel_tank_liters=71.0,
        fuel_fraction=0.45,
        fuel_range_km=900.0,
        oil_life=0.83,
        nickname="Family car",
        exterior_color="Denim Blue",
        trim="Ultimate",
        firmware_version="3.2.1",
        tires_kpa=dict.fromkeys(POSITIONS, 250.0),
        systems=[
            {"systemId": "SYSTEM_ABS", "status": "OK", "description": None},
            {"systemId": "SYSTEM_AIRBAG", "status": "OK", "description": None},
        ],
    )
    return {car.vehicle_id: car for car in (tesla, toyota, volvo)}


def apply_changes(vehicle: Vehicle, changes: dict[str, Any], now: float) -> None:
    """Apply a control-API patch (keys as in ``describe``); ValueError on bad input."""
    unknown = set(changes) - set(_SETTERS)
    if unknown:
        raise ValueError("unknown fields: " + ", ".join(sorted(unknown)))
    vehicle.settle(now)
    for key, value in changes.items():
        _SETTERS[key](vehicle, value, now)
    vehicle.settle(now)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected a boolean")  # noqa: TRY004 - surfaced as a 400
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected a number")  # noqa: TRY004 - surfaced as a 400
    return float(value)


def _fraction(value: Any) -> float:
    number = _number(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError("expected a fraction between 0 and 1")
    return number


def _status(value: Any) -> str:
    if value not in {OPEN, CLOSED, "UNKNOWN"}:
        raise ValueError("expected OPEN, CLOSED or UNKNOWN")
    return str(value)


def _statuses(target: dict[str, str], value: Any) -> None:
    if not isinstance(value, dict) or not set(value) <= set(target):
        raise ValueError("expected an object with keys " + ", ".join(target))
    for key, status in value.items():
        target[key] = _status(status)


def _set_charging(vehicle: Vehicle, value: Any, now: float) -> None:
    if _bool(value):
        if not vehicle.is_plugged_in:
            raise ValueError("plug the car in first")
        vehicle.is_charging = True
        vehicle.soc_updated_at = now
    else:
        vehicle.is_charging = False


def _set_tires(vehicle: Vehicle, value: Any) -> None:
    if not isinstance(value, dict) or not set(value) <= set(POSITIONS):
        raise ValueError("expected an object with keys " + ", ".join(POSITIONS))
    for key, pressure in value.items():
        vehicle.tires_kpa[key] = _number(pressure)


def _set_list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError("expected a list of objects")
    return list(value)


def _set_unsupported(value: Any) -> set[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError("expected a list of paths or signal codes")
    return set(value)


def _set_sunroof(vehicle: Vehicle, value: Any) -> None:
    vehicle.sunroof = None if value is None else _status(value)


_SIGNAL_STATUSES = frozenset({"ERROR", "UNAVAILABLE"})


def _set_signal_statuses(vehicle: Vehicle, value: Any) -> None:
    """``{code: {"status": "ERROR"|"UNAVAILABLE", "type"?, "code"?} | null}``."""
    if not isinstance(value, dict):
        raise ValueError("expected an object keyed by signal code")  # noqa: TRY004
    for code, outcome in value.items():
        if outcome is None:
            vehicle.signal_statuses.pop(code, None)
            continue
        if (
            not isinstance(outcome, dict)
            or outcome.get("status") not in _SIGNAL_STATUSES
        ):
            raise ValueError("each signal needs status ERROR or UNAVAILABLE")
        entry = {"status": outcome["status"]}
        if outcome["status"] == "ERROR":
            error = make_error(
                str(outcome.get("type", "VEHICLE_STATE")), outcome.get("code")
            )
            entry |= {"type": error.error_type, "code": error.code}
        vehicle.signal_statuses[code] = entry


def _optional_number(value: Any) -> float | None:
    return None if value is None else _number(value)


_SETTERS: dict[str, Any] = {
    "is_plugged_in": lambda v, x, now: v.set_plugged_in(_bool(x), now),
    "is_charging": _set_charging,
    "is_moving": lambda v, x, _now: setattr(v, "is_moving", _bool(x)),
    "is_locked": lambda v, x, _now: setattr(v, "is_locked", _bool(x)),
    "is_online": lambda v, x, _now: setattr(v, "is_online", _bool(x)),
    "is_asleep": lambda v, x, _now: setattr(v, "is_asleep", _bool(x)),
    "latitude": lambda v, x, _now: setattr(v, "latitude", _number(x)),
    "longitude": lambda v, x, _now: setattr(v, "longitude", _number(x)),
    "heading": lambda v, x, _now: setattr(v, "heading", _number(x)),
    "odometer_km": lambda v, x, _now: setattr(v, "odometer_km", _number(x)),
    "state_of_charge": lambda v, x, now: v.set_state_of_charge(_fraction(x), now),
    "charge_limit": lambda v, x, _now: setattr(v, "charge_limit", _fraction(x)),
    "charge_rate_per_minute": lambda v, x, _now: setattr(
        v, "charge_rate_per_minute", _number(x)
    ),
    "fuel_percent_remaining": lambda v, x, _now: setattr(
        v, "fuel_fraction", _fraction(x)
    ),
    "oil_life_remaining": lambda v, x, _now: setattr(v, "oil_life", _fraction(x)),
    "low_voltage_state_of_charge": lambda v, x, _now: setattr(
        v, "low_voltage_soc", _fraction(x)
    ),
    "tire_pressures_kpa": lambda v, x, _now: _set_tires(v, x),
    "doors": lambda v, x, _now: _statuses(v.doors, x),
    "windows": lambda v, x, _now: _statuses(v.windows, x),
    "storage": lambda v, x, _now: _statuses(v.storage, x),
    "sunroof": lambda v, x, _now: _set_sunroof(v, x),
    "dtcs": lambda v, x, _now: setattr(v, "dtcs", _set_list(x)),
    "systems": lambda v, x, _now: setattr(v, "systems", _set_list(x)),
    "unsupported": lambda v, x, _now: setattr(v, "unsupported", _set_unsupported(x)),
    "data_age_seconds": lambda v, x, _now: setattr(v, "data_age_seconds", _number(x)),
    "is_charge_port_open": lambda v, x, _now: setattr(
        v, "is_charge_port_open", _bool(x)
    ),
    "command_duration_seconds": lambda v, x, _now: setattr(
        v, "command_duration_seconds", _optional_number(x)
    ),
    "nickname": lambda v, x, _now: setattr(
        v, "nickname", None if x is None else str(x)
    ),
    "outside_temperature": lambda v, x, _now: setattr(
        v, "outside_temperature", _number(x)
    ),
    "cabin_temperature": lambda v, x, _now: setattr(v, "cabin_temperature", _number(x)),
    "signal_statuses": lambda v, x, _now: _set_signal_statuses(v, x),
}


def describe(vehicle: Vehicle) -> dict[str, Any]:
    """The car's full state for the control API."""
    return {
        "id": vehicle.vehicle_id,
        "make": vehicle.make,
        "model": vehicle.model,
        "year": vehicle.year,
        "vin": vehicle.vin,
        "powertrain": vehicle.powertrain,
        "odometer_km": vehicle.odometer_km,
        "latitude": vehicle.latitude,
        "longitude": vehicle.longitude,
        "heading": vehicle.heading,
        "is_moving": vehicle.is_moving,
        "is_locked": vehicle.is_locked,
        "is_online": vehicle.is_online,
        "is_asleep": vehicle.is_asleep,
        "doors": dict(vehicle.doors),
        "windows": dict(vehicle.windows),
        "sunroof": vehicle.sunroof,
        "storage": dict(vehicle.storage),
        "state_of_charge": vehicle.state_of_charge if vehicle.has_battery else None,
        "is_plugged_in": vehicle.is_plugged_in,
        "is_charging": vehicle.is_charging,
        "charge_state": vehicle.charge_state if vehicle.has_battery else None,
        "charge_limit": vehicle.charge_limit,
        "charge_rate_per_minute": vehicle.charge_rate_per_minute,
        "fuel_percent_remaining": vehicle.fuel_fraction if vehicle.has_engine else None,
        "oil_life_remaining": vehicle.oil_life,
        "low_voltage_state_of_charge": vehicle.low_voltage_soc,
        "tire_pressures_kpa": dict(vehicle.tires_kpa),
        "dtcs": list(vehicle.dtcs),
        "systems": list(vehicle.systems),
        "unsupported": sorted(vehicle.unsupported),
        "data_age_seconds": vehicle.data_age_seconds,
        "destination": vehicle.destination,
        "is_charge_port_open": vehicle.is_charge_port_open,
        "command_duration_seconds": vehicle.command_duration_seconds,
        "nickname": vehicle.nickname,
        "outside_temperature": vehicle.outside_temperature,
        "cabin_temperature": vehicle.cabin_temperature,
        "signal_statuses": dict(vehicle.signal_statuses),
    }


__all__ = ["SmartcarApiError", "Vehicle", "apply_changes", "default_fleet", "describe"]
