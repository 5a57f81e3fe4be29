"""v3 signals: the one table of signal code -> name, group, permission, availability and body.

Bodies are metric (v3 has no unit-system header in SMARTCAR_API.md). Confirmed codes follow
SMARTCAR_API.md section 3 (``tractionbattery-stateofcharge`` -> ``{"unit": "percent",
"value": 62}``, ``odometer-traveleddistance`` -> ``{"unit": "kilometers", "value": ...}``). For
the catalogue-only codes the simulator chose these bodies (the shapes of Smartcar's signal reference
pages where they exist, otherwise the simplest consistent shape); correct them here only:

============================================ =====================================================
code                                         body
============================================ =====================================================
closure-islocked                             ``{"value": true}``
closure-doors                                ``{"values": [{"row": 0, "column": 0, "isOpen": false,
                                             "isLocked": true}, ...], "rowCount": 2,
                                             "columnCount": 2}`` (row 0 front, column 0 left)
closure-windows                              ``{"values": [{"row", "column", "isOpen"}], "rowCount",
                                             "columnCount"}``
closure-sunroof                              ``{"isOpen": false}`` (only cars with a sunroof)
closure-fronttrunk / closure-reartrunk       ``{"isOpen": false, "isLocked": true}``
charge-ischarging                            ``{"value": false}``
charge-ischargingcableconnected              ``{"value": true}``
charge-activelimit                           ``{"unit": "percent", "value": 80}``
charge-voltage / -amperage / -wattage        ``{"unit": "volts"|"ampere"|"watts", "value": n}``
charge-timetocomplete                        ``{"unit": "minutes", "value": 18}``
charge-chargetimers                          ``{"values": []}``
tractionbattery-range                        ``{"unit": "kilometers", "value": 347.2,
                                             "additionalValues": []}``
tractionbattery-nominalcapacity              ``{"source": "SMARTCAR", "capacity": 75.0,
                                             "availableCapacities": [{"capacity", "description"}],
                                             "unit": "kWhr"}``
lowvoltagebattery-stateofcharge              ``{"unit": "percent", "value": 88}``
lowvoltagebattery-status                     ``{"value": "GOOD"|"WARN"|"BAD"}``
location-preciselocation                     ``{"latitude", "longitude", "heading", "direction",
                                             "locationType": "CURRENT"}``
internalcombustionengine-fuellevel           ``{"unit": "percent", "value": 62}``
internalcombustionengine-amountremaining     ``{"unit": "liters", "value": 31.0}``
internalcombustionengine-range               ``{"unit": "kilometers", "value": 465.0}``
internalcombustionengine-oillife             ``{"unit": "percent", "value": 41}``
wheel-tires                                  ``{"unit": "kilopascals", "values": [{"row": 0,
                                             "column": 0, "tirePressure": 230.0}, ...],
                                             "rowCount": 2,
                                             "columnCount": 2}``
connectivitystatus-isonline / -isasleep      ``{"value": true}``
vehicleidentification-vin                    ``{"value": "5YJ3E1EA7PF412345"}``
vehicleuseraccount-permissions               ``{"values": ["read_battery", ...]}`` (the scope)
============================================ =====================================================

Permissions: a signal whose permission was not granted is *omitted* from ``GET /signals`` (and
``GET /signals/{code}`` answers 403 PERMISSION); a signal the car cannot produce (fuel on an EV,
battery on a petrol car, a sunroof it does not have) is omitted too and answers 501
COMPATIBILITY:VEHICLE_NOT_CAPABLE when asked for by code. Unknown codes answer 404
RESOURCE_NOT_FOUND:PATH.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .clock import epoch_ms, iso
from .errors import make_error
from .fleet import CLOSED, OPEN, POSITION_GRID, Vehicle

type Body = dict[str, Any]
type BodyBuilder = Callable[[Vehicle, Sequence[str]], Body]


@dataclass(frozen=True, kw_only=True)
class SignalSpec:
    """One row of the signal table."""

    code: str
    name: str
    group: str
    permission: str | None
    body: BodyBuilder
    available: Callable[[Vehicle], bool] = lambda _vehicle: True


def _percent(fraction: float) -> float:
    return round(fraction * 100, 1)


def _grid(statuses: dict[str, str], **extra: Any) -> Body:
    values = [
        {"row": row, "column": column, "isOpen": statuses[position] == OPEN, **extra}
        for position, (row, column) in POSITION_GRID.items()
        if position in statuses
    ]
    return {"values": values, "rowCount": 2, "columnCount": 2}


def _direction(heading: float) -> str:
    names = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
    return names[round((heading % 360) / 45) % 8]


def _battery(vehicle: Vehicle) -> bool:
    return vehicle.has_battery


def _engine(vehicle: Vehicle) -> bool:
    return vehicle.has_engine


def _storage(vehicle: Vehicle, which: str) -> Body:
    return {
        "isOpen": vehicle.storage.get(which, CLOSED) == OPEN,
        "isLocked": vehicle.is_locked,
    }


_CORE_SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec(
        code="charge-ischarging",
        name="IsCharging",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"value": v.is_charging},
    ),
    SignalSpec(
        code="charge-ischargingcableconnected",
        name="IsChargingCableConnected",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"value": v.is_plugged_in},
    ),
    SignalSpec(
        code="charge-activelimit",
        name="ActiveLimit",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"unit": "percent", "value": _percent(v.charge_limit)},
    ),
    SignalSpec(
        code="charge-voltage",
        name="Voltage",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {
            "unit": "volts",
            "value": v.charge_voltage if v.is_charging else 0,
        },
    ),
    SignalSpec(
        code="charge-amperage",
        name="Amperage",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {
            "unit": "ampere",
            "value": v.charge_amperage if v.is_charging else 0,
        },
    ),
    SignalSpec(
        code="charge-wattage",
        name="Wattage",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"unit": "watts", "value": round(v.charge_power_kw * 1000)},
    ),
    SignalSpec(
        code="charge-timetocomplete",
        name="TimeToComplete",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"unit": "minutes", "value": v.minutes_to_complete},
    ),
    SignalSpec(
        code="charge-chargetimers",
        name="ChargeTimers",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda _v, _s: {"values": []},
    ),
    SignalSpec(
        code="tractionbattery-stateofcharge",
        name="StateOfCharge",
        group="TractionBattery",
        permission="read_battery",
        available=_battery,
        body=lambda v, _s: {"unit": "percent", "value": _percent(v.state_of_charge)},
    ),
    SignalSpec(
        code="tractionbattery-range",
        name="Range",
        group="TractionBattery",
        permission="read_battery",
        available=_battery,
        body=lambda v, _s: {
            "unit": "kilometers",
            "value": v.battery_range_km,
            "additionalValues": [],
        },
    ),
    SignalSpec(
        code="tractionbattery-nominalcapacity",
        name="NominalCapacity",
        group="TractionBattery",
        permission="read_battery",
        available=_battery,
        body=lambda v, _s: {
            "source": "SMARTCAR",
            "capacity": v.battery_capacity_kwh,
            "availableCapacities": list(v.nominal_capacities),
            "unit": "kWhr",
        },
    ),
    SignalSpec(
        code="lowvoltagebattery-stateofcharge",
        name="StateOfCharge",
        group="LowVoltageBattery",
        permission="read_battery",
        body=lambda v, _s: {"unit": "percent", "value": _percent(v.low_voltage_soc)},
    ),
    SignalSpec(
        code="lowvoltagebattery-status",
        name="Status",
        group="LowVoltageBattery",
        permission="read_battery",
        body=lambda v, _s: {"value": v.low_voltage_status},
    ),
    SignalSpec(
        code="location-preciselocation",
        name="PreciseLocation",
        group="Location",
        permission="read_location",
        body=lambda v, _s: {
            "latitude": v.latitude,
            "longitude": v.longitude,
            "heading": v.heading,
            "direction": _direction(v.heading),
            "locationType": "CURRENT",
        },
    ),
    SignalSpec(
        code="odometer-traveleddistance",
        name="TraveledDistance",
        group="Odometer",
        permission="read_odometer",
        body=lambda v, _s: {"unit": "kilometers", "value": v.odometer_km},
    ),
    SignalSpec(
        code="closure-islocked",
        name="IsLocked",
        group="Closure",
        permission="read_security",
        body=lambda v, _s: {"value": v.is_locked},
    ),
    SignalSpec(
        code="closure-doors",
        name="Doors",
        group="Closure",
        permission="read_security",
        body=lambda v, _s: _grid(v.doors, isLocked=v.is_locked),
    ),
    SignalSpec(
        code="closure-windows",
        name="Windows",
        group="Closure",
        permission="read_security",
        body=lambda v, _s: _grid(v.windows),
    ),
    SignalSpec(
        code="closure-sunroof",
        name="Sunroof",
        group="Closure",
        permission="read_security",
        available=lambda v: v.sunroof is not None,
        body=lambda v, _s: {"isOpen": v.sunroof == OPEN},
    ),
    SignalSpec(
        code="closure-fronttrunk",
        name="FrontTrunk",
        group="Closure",
        permission="read_security",
        available=lambda v: "front" in v.storage,
        body=lambda v, _s: _storage(v, "front"),
    ),
    SignalSpec(
        code="closure-reartrunk",
        name="RearTrunk",
        group="Closure",
        permission="read_security",
        available=lambda v: "rear" in v.storage,
        body=lambda v, _s: _storage(v, "rear"),
    ),
    SignalSpec(
        code="internalcombustionengine-fuellevel",
        name="FuelLevel",
        group="InternalCombustionEngine",
        permission="read_fuel",
        available=_engine,
        body=lambda v, _s: {"unit": "percent", "value": _percent(v.fuel_fraction)},
    ),
    SignalSpec(
        code="internalcombustionengine-amountremaining",
        name="AmountRemaining",
        group="InternalCombustionEngine",
        permission="read_fuel",
        available=_engine,
        body=lambda v, _s: {"unit": "liters", "value": v.fuel_liters},
    ),
    SignalSpec(
        code="internalcombustionengine-range",
        name="Range",
        group="InternalCombustionEngine",
        permission="read_fuel",
        available=_engine,
        body=lambda v, _s: {"unit": "kilometers", "value": v.fuel_range},
    ),
    SignalSpec(
        code="internalcombustionengine-oillife",
        name="OilLife",
        group="InternalCombustionEngine",
        permission="read_engine_oil",
        available=lambda v: v.has_engine and v.oil_life is not None,
        body=lambda v, _s: {"unit": "percent", "value": _percent(v.oil_life or 0.0)},
    ),
    SignalSpec(
        code="wheel-tires",
        name="Tires",
        group="Wheel",
        permission="read_tires",
        available=lambda v: bool(v.tires_kpa),
        body=lambda v, _s: {
            "unit": "kilopascals",
            "values": [
                {"row": row, "column": column, "tirePressure": v.tires_kpa[position]}
                for position, (row, column) in POSITION_GRID.items()
                if position in v.tires_kpa
            ],
            "rowCount": 2,
            "columnCount": 2,
        },
    ),
    SignalSpec(
        code="connectivitystatus-isonline",
        name="IsOnline",
        group="ConnectivityStatus",
        permission="read_vehicle_info",
        body=lambda v, _s: {"value": v.is_online},
    ),
    SignalSpec(
        code="connectivitystatus-isasleep",
        name="IsAsleep",
        group="ConnectivityStatus",
        permission="read_vehicle_info",
        body=lambda v, _s: {"value": v.is_asleep},
    ),
    SignalSpec(
        code="vehicleidentification-vin",
        name="VIN",
        group="VehicleIdentification",
        permission="read_vin",
        body=lambda v, _s: {"value": v.vin},
    ),
    SignalSpec(
        code="vehicleuseraccount-permissions",
        name="Permissions",
        group="VehicleUserAccount",
        permission=None,
        body=lambda _v, scope: {"values": list(scope)},
    ),
)


# The rest of the catalogue (SMARTCAR_V3.md section 4.2), bodies in the documented shapes.

_SYSTEM_SIGNALS = {
    "SYSTEM_ABS": "abs",
    "SYSTEM_AIRBAG": "airbag",
    "SYSTEM_TPMS": "tirepressuremonitoring",
    "SYSTEM_EMISSIONS": "emissions",
}


def _system(vehicle: Vehicle, system_id: str) -> dict[str, Any] | None:
    return next((s for s in vehicle.systems if s["systemId"] == system_id), None)


def _system_spec(system_id: str, short: str) -> SignalSpec:
    def body(vehicle: Vehicle, _scope: Sequence[str]) -> Body:
        system = _system(vehicle, system_id) or {}
        return {
            "status": system.get("status", "OK"),
            "description": system.get("description"),
        }

    return SignalSpec(
        code=f"diagnostics-{short}",
        name=short.capitalize() if short != "abs" else "ABS",
        group="Diagnostics",
        permission="read_diagnostics",
        available=lambda v: _system(v, system_id) is not None,
        body=body,
    )


def _service_records(vehicle: Vehicle) -> Body:
    return {
        "values": [
            {
                "id": record["serviceId"],
                "cost": {
                    "amount": record["serviceCost"]["totalCost"],
                    "currency": record["serviceCost"]["currency"],
                },
                "time": record["serviceDate"],
                "tasks": [
                    {"id": task["taskId"], "description": task["taskDescription"]}
                    for task in record["serviceTasks"]
                ],
                "details": [
                    {"id": str(index), "description": detail["value"]}
                    for index, detail in enumerate(record["serviceDetails"])
                ],
                "odometer": record["odometerDistance"],
            }
            for record in vehicle.service_history
        ]
    }


def _tesla(vehicle: Vehicle) -> bool:
    return vehicle.make == "TESLA"


CATALOGUE: tuple[SignalSpec, ...] = (
    SignalSpec(
        code="tractionbattery-isheateractive",
        name="IsHeaterActive",
        group="TractionBattery",
        permission="read_battery",
        available=_battery,
        body=lambda _v, _s: {"value": False},
    ),
    SignalSpec(
        code="tractionbattery-maxrangechargecounter",
        name="MaxRangeChargeCounter",
        group="TractionBattery",
        permission="read_battery",
        available=_battery,
        body=lambda _v, _s: {"value": 3},
    ),
    SignalSpec(
        code="charge-ischargingcablelatched",
        name="IsChargingCableLatched",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"value": v.is_plugged_in},
    ),
    SignalSpec(
        code="charge-ischargingportflapopen",
        name="IsChargingPortFlapOpen",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"value": v.is_charge_port_open},
    ),
    SignalSpec(
        code="charge-isfastchargerpresent",
        name="IsFastChargerPresent",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda _v, _s: {"value": False},
    ),
    SignalSpec(
        code="charge-detailedchargingstatus",
        name="DetailedChargingStatus",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"value": v.charge_state},
    ),
    SignalSpec(
        code="charge-chargelimits",
        name="ChargeLimits",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {
            "values": [
                {
                    "type": "GLOBAL",
                    "limit": _percent(v.charge_limit),
                    "condition": None,
                }
            ],
            "activeLimit": _percent(v.charge_limit),
            "unit": "percent",
        },
    ),
    SignalSpec(
        code="charge-chargerecords",
        name="ChargeRecords",
        group="Charge",
        permission="read_charge_records",
        available=_battery,
        body=lambda _v, _s: {"values": []},
    ),
    SignalSpec(
        code="charge-amperagemax",
        name="AmperageMax",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda _v, _s: {"unit": "ampere", "value": 32},
    ),
    SignalSpec(
        code="charge-amperagerequested",
        name="AmperageRequested",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"unit": "ampere", "value": v.charge_amperage},
    ),
    SignalSpec(
        code="charge-chargerate",
        name="ChargeRate",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {
            "unit": "km/h",
            "value": round(v.charge_rate_per_minute * 60 * v.electric_range_km, 1)
            if v.is_charging
            else 0,
        },
    ),
    SignalSpec(
        code="charge-energyadded",
        name="EnergyAdded",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda _v, _s: {"unit": "kilowatt_hours", "value": 0.0},
    ),
    SignalSpec(
        code="charge-chargerphases",
        name="ChargerPhases",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda v, _s: {"unit": "count", "value": 1 if v.is_charging else 0},
    ),
    SignalSpec(
        code="charge-chargingconnectortype",
        name="ChargingConnectorType",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda _v, _s: {"value": "J1772"},
    ),
    SignalSpec(
        code="charge-fastchargertype",
        name="FastChargerType",
        group="Charge",
        permission="read_charge",
        available=_battery,
        body=lambda _v, _s: {"value": "CCS"},
    ),
    SignalSpec(
        code="charge-chargeportstatuscolor",
        name="ChargePortStatusColor",
        group="Charge",
        permission="read_charge",
        available=_tesla,
        body=lambda v, _s: {"value": "GREEN" if v.is_charging else "BLUE"},
    ),
    SignalSpec(
        code="closure-enginecover",
        name="EngineCover",
        group="Closure",
        permission="read_security",
        available=_engine,
        body=lambda v, _s: {"isOpen": v.storage.get("front") == OPEN},
    ),
    SignalSpec(
        code="location-isathome",
        name="IsAtHome",
        group="Location",
        permission="read_location",
        body=lambda _v, _s: {"value": True},
    ),
    SignalSpec(
        code="motion-currentspeed",
        name="CurrentSpeed",
        group="Motion",
        permission="read_speedometer",
        body=lambda v, _s: {"unit": "kph", "value": 50.0 if v.is_moving else 0.0},
    ),
    SignalSpec(
        code="transmission-gearstate",
        name="GearState",
        group="Transmission",
        permission="read_vehicle_info",
        body=lambda v, _s: {"value": "DRIVE" if v.is_moving else "PARK"},
    ),
    SignalSpec(
        code="transmission-drivemode",
        name="DriveMode",
        group="Transmission",
        permission="read_vehicle_info",
        body=lambda _v, _s: {"canonical": "NORMAL", "oemDisplayName": "Comfort"},
    ),
    SignalSpec(
        code="wheel-style",
        name="Style",
        group="Wheel",
        permission="read_vehicle_info",
        body=lambda _v, _s: {"value": "19-inch"},
    ),
    SignalSpec(
        code="connectivitystatus-isdigitalkeypaired",
        name="IsDigitalKeyPaired",
        group="ConnectivityStatus",
        permission="read_vehicle_info",
        available=_tesla,
        body=lambda _v, _s: {"value": True},
    ),
    SignalSpec(
        code="connectivitysoftware-currentfirmwareversion",
        name="CurrentFirmwareVersion",
        group="ConnectivitySoftware",
        permission="read_vehicle_info",
        body=lambda v, _s: {"value": v.firmware_version},
    ),
    *(_system_spec(system_id, short) for system_id, short in _SYSTEM_SIGNALS.items()),
    SignalSpec(
        code="diagnostics-dtccount",
        name="DTCCount",
        group="Diagnostics",
        permission="read_diagnostics",
        body=lambda v, _s: {"unit": "count", "value": len(v.dtcs)},
    ),
    SignalSpec(
        code="diagnostics-dtclist",
        name="DTCList",
        group="Diagnostics",
        permission="read_diagnostics",
        body=lambda v, _s: {
            "values": [
                {"code": dtc["code"], "timestamp": dtc["timestamp"]} for dtc in v.dtcs
            ]
        },
    ),
    SignalSpec(
        code="service-isinservice",
        name="IsInService",
        group="Service",
        permission="read_service_history",
        body=lambda _v, _s: {"value": False},
    ),
    SignalSpec(
        code="service-records",
        name="Records",
        group="Service",
        permission="read_service_history",
        available=lambda v: bool(v.service_history),
        body=lambda v, _s: _service_records(v),
    ),
    SignalSpec(
        code="climate-externaltemperature",
        name="ExternalTemperature",
        group="Climate",
        permission="read_thermometer",
        body=lambda v, _s: {"unit": "celsius", "value": v.outside_temperature},
    ),
    SignalSpec(
        code="climate-internaltemperature",
        name="InternalTemperature",
        group="Climate",
        permission="read_thermometer",
        body=lambda v, _s: {"unit": "celsius", "value": v.cabin_temperature},
    ),
    SignalSpec(
        code="hvac-cabintargettemperature",
        name="CabinTargetTemperature",
        group="HVAC",
        permission="read_climate",
        body=lambda _v, _s: {"unit": "celsius", "value": 21.0},
    ),
    *(
        SignalSpec(
            code=f"hvac-{name.lower()}",
            name=name,
            group="HVAC",
            permission="read_climate",
            body=lambda _v, _s: {"value": False},
        )
        for name in (
            "IsCabinHVACActive",
            "IsFrontDefrosterActive",
            "IsRearDefrosterActive",
            "IsSteeringHeaterActive",
        )
    ),
    SignalSpec(
        code="vehicleidentification-exteriorcolor",
        name="ExteriorColor",
        group="VehicleIdentification",
        permission="read_vehicle_info",
        body=lambda v, _s: {"value": v.exterior_color},
    ),
    SignalSpec(
        code="vehicleidentification-nickname",
        name="Nickname",
        group="VehicleIdentification",
        permission="read_vehicle_info",
        available=lambda v: v.nickname is not None,
        body=lambda v, _s: {"value": v.nickname},
    ),
    SignalSpec(
        code="vehicleidentification-trim",
        name="Trim",
        group="VehicleIdentification",
        permission="read_vehicle_info",
        body=lambda v, _s: {"value": v.trim},
    ),
    SignalSpec(
        code="vehicleidentification-packages",
        name="Packages",
        group="VehicleIdentification",
        permission="read_vehicle_info",
        body=lambda _v, _s: {"values": []},
    ),
    SignalSpec(
        code="vehicleuseraccount-role",
        name="Role",
        group="VehicleUserAccount",
        permission=None,
        body=lambda _v, _s: {"value": "Owner"},
    ),
    SignalSpec(
        code="surveillance-isenabled",
        name="IsEnabled",
        group="Surveillance",
        permission="read_security",
        available=_tesla,
        body=lambda _v, _s: {"value": False},
    ),
    SignalSpec(
        code="surveillance-brand",
        name="Brand",
        group="Surveillance",
        permission="read_security",
        available=_tesla,
        body=lambda _v, _s: {"value": "Sentry Mode"},
    ),
)

SIGNALS: tuple[SignalSpec, ...] = _CORE_SIGNALS + CATALOGUE

SIGNALS_BY_CODE: dict[str, SignalSpec] = {spec.code: spec for spec in SIGNALS}


def is_available(spec: SignalSpec, vehicle: Vehicle) -> bool:
    """Whether the car can produce this signal at all."""
    return spec.code not in vehicle.unsupported and spec.available(vehicle)


def is_permitted(spec: SignalSpec, scope: Sequence[str]) -> bool:
    return spec.permission is None or spec.permission in scope


def visible_signals(vehicle: Vehicle, scope: Sequence[str]) -> list[SignalSpec]:
    """The signals a token with ``scope`` sees for this car, in table order."""
    return [
        spec
        for spec in SIGNALS
        if is_available(spec, vehicle) and is_permitted(spec, scope)
    ]


def _stamp(moment: float, style: str) -> int | str:
    return iso(moment) if style == "iso" else epoch_ms(moment)


def _signal_meta(
    vehicle: Vehicle, retrieved_at: float, style: str, *, failed: bool
) -> Body:
    if failed:
        return {"ingestedAt": _stamp(retrieved_at, style)} if style == "iso" else {}
    meta: Body = {
        "retrievedAt": _stamp(retrieved_at, style),
        "oemUpdatedAt": _stamp(retrieved_at - vehicle.data_age_seconds, style),
    }
    if style == "iso":
        meta = {"ingestedAt": meta["retrievedAt"], **meta}
    return meta


def signal_core(
    spec: SignalSpec,
    vehicle: Vehicle,
    scope: Sequence[str],
    now: float,
    *,
    timestamps: str = "epoch_ms",
) -> Body:
    """``{code, name, group, body, status, meta}``: the part shared by v3 and webhooks.

    An injected ``signal_statuses`` entry turns the signal into ``ERROR`` (with the error, no
    body) or ``UNAVAILABLE`` (no body): the call itself still succeeds.
    """
    injected = vehicle.signal_statuses.get(spec.code)
    core: Body = {"code": spec.code, "name": spec.name, "group": spec.group}
    if injected is None:
        core["body"] = spec.body(vehicle, scope)
        core["status"] = {"value": "SUCCESS"}
        core["meta"] = _signal_meta(vehicle, now, timestamps, failed=False)
        return core
    if injected["status"] == "UNAVAILABLE":
        core["status"] = {"value": "UNAVAILABLE"}
    else:
        error = make_error(injected["type"], injected["code"])
        core["status"] = {
            "value": "ERROR",
            "error": {
                "type": error.error_type,
                "code": error.code,
                "title": error.title,
                "detail": error.text,
                "resolution": {"type": error.resolution["type"]},
            },
        }
    core["meta"] = _signal_meta(vehicle, now, timestamps, failed=True)
    return core


def signal_resource(
    spec: SignalSpec,
    vehicle: Vehicle,
    scope: Sequence[str],
    now: float,
    *,
    timestamps: str = "epoch_ms",
) -> Body:
    """The JSON:API resource object of one signal (v3 ``GET /signals``)."""
    core = signal_core(spec, vehicle, scope, now, timestamps=timestamps)
    vehicle_link = f"/vehicles/{vehicle.vehicle_id}"
    attributes = {
        "code": core["code"],
        "name": core["name"],
        "group": core["group"],
        "status": core["status"],
    }
    if "body" in core:
        attributes["body"] = core["body"]
    return {
        "id": spec.code,
        "type": "signal",
        "attributes": attributes,
        "meta": core["meta"],
        "links": {
            "self": f"{vehicle_link}/signals/{spec.code}",
            "vehicle": vehicle_link,
        },
    }
