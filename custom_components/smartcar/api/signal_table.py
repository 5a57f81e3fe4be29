"""The one table from v3 signal codes to `VehicleState` fields (re-exported by `signals`).

Smartcar's v3 catalogue is young and only partly confirmed (see SMARTCAR_API.md §3), so every code
-> field decision lives in `SIGNALS` below: correcting a code or a body shape is a one-line change.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import _json as j
from .models import GearState, LowVoltageBatteryStatus, VehicleState
from .signal_bodies import (
    DIAGNOSTIC_SYSTEMS,
    _charge_limits,
    _charge_port_flap,
    _detailed_charging_status,
    _front_trunk,
    _nominal_capacity,
    _openings,
    _precise_location,
    _rear_trunk,
    _sunroof,
    _system,
    _tailgate,
    _texts,
    _tires,
    _trouble_codes,
)
from .signal_units import (
    _COUNT,
    _CURRENT_A,
    _DISTANCE_KM,
    _DURATION_MIN,
    _ENERGY_KWH,
    _PERCENT,
    _POWER_KW,
    _SPEED_KM_PER_H,
    _VOLTAGE_V,
    _VOLUME_L,
    _flag,
    _measure,
    _temperature,
    _text,
    _whole,
    _word,
)

type JsonObject = j.JsonObject

# --- THE TABLE ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """What one signal code fills in `VehicleState`, and how its body is read."""

    fields: frozenset[str]
    read: Callable[[JsonObject], VehicleState]


def _spec(read: Callable[[JsonObject], VehicleState], *fields: str) -> SignalSpec:
    return SignalSpec(fields=frozenset(fields), read=read)


SIGNALS: Mapping[str, SignalSpec] = {
    # Traction battery (confirmed codes; the webhook docs also show `{percentage}`)
    "tractionbattery-stateofcharge": _spec(
        lambda b: VehicleState(
            battery_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "battery_percent",
    ),
    "tractionbattery-range": _spec(
        lambda b: VehicleState(battery_range_km=_measure(b, _DISTANCE_KM)),
        "battery_range_km",
    ),
    "tractionbattery-nominalcapacity": _spec(_nominal_capacity, "battery_capacity_kwh"),
    "tractionbattery-isheateractive": _spec(
        lambda b: VehicleState(is_battery_heater_active=_flag(b)),
        "is_battery_heater_active",
    ),
    "tractionbattery-maxrangechargecounter": _spec(
        lambda b: VehicleState(max_range_charge_count=_whole(b, _COUNT)),
        "max_range_charge_count",
    ),
    # Charging (confirmed: ischarging, voltage, amperage, activelimit)
    "charge-ischarging": _spec(
        lambda b: VehicleState(is_charging=_flag(b)), "is_charging"
    ),
    "charge-voltage": _spec(
        lambda b: VehicleState(charge_voltage_v=_measure(b, _VOLTAGE_V)),
        "charge_voltage_v",
    ),
    "charge-amperage": _spec(
        lambda b: VehicleState(charge_current_a=_measure(b, _CURRENT_A)),
        "charge_current_a",
    ),
    "charge-activelimit": _spec(
        lambda b: VehicleState(charge_limit_percent=_measure(b, _PERCENT)),
        "charge_limit_percent",
    ),
    "charge-chargelimits": _spec(_charge_limits, "charge_limit_percent"),
    "charge-ischargingcableconnected": _spec(
        lambda b: VehicleState(is_plugged_in=_flag(b)), "is_plugged_in"
    ),
    "charge-wattage": _spec(
        lambda b: VehicleState(charge_power_kw=_measure(b, _POWER_KW)),
        "charge_power_kw",
    ),
    "charge-timetocomplete": _spec(
        lambda b: VehicleState(charge_time_to_complete_min=_measure(b, _DURATION_MIN)),
        "charge_time_to_complete_min",
    ),
    "charge-detailedchargingstatus": _spec(_detailed_charging_status, "charge_state"),
    "charge-ischargingcablelatched": _spec(
        lambda b: VehicleState(is_charging_cable_latched=_flag(b)),
        "is_charging_cable_latched",
    ),
    "charge-ischargingportflapopen": _spec(
        lambda b: VehicleState(charging_port=_charge_port_flap(b)), "charging_port"
    ),
    "charge-isfastchargerpresent": _spec(
        lambda b: VehicleState(is_fast_charger_present=_flag(b)),
        "is_fast_charger_present",
    ),
    "charge-amperagemax": _spec(
        lambda b: VehicleState(charge_current_max_a=_measure(b, _CURRENT_A)),
        "charge_current_max_a",
    ),
    "charge-amperagerequested": _spec(
        lambda b: VehicleState(charge_current_requested_a=_measure(b, _CURRENT_A)),
        "charge_current_requested_a",
    ),
    "charge-chargerate": _spec(
        lambda b: VehicleState(charge_rate_km_per_h=_measure(b, _SPEED_KM_PER_H)),
        "charge_rate_km_per_h",
    ),
    "charge-energyadded": _spec(
        lambda b: VehicleState(energy_added_kwh=_measure(b, _ENERGY_KWH)),
        "energy_added_kwh",
    ),
    "charge-chargerphases": _spec(
        lambda b: VehicleState(charger_phases=_whole(b, _COUNT)), "charger_phases"
    ),
    "charge-chargingconnectortype": _spec(
        lambda b: VehicleState(charging_connector_type=_text(b)),
        "charging_connector_type",
    ),
    "charge-fastchargertype": _spec(
        lambda b: VehicleState(fast_charger_type=_text(b)), "fast_charger_type"
    ),
    "charge-chargeportstatuscolor": _spec(
        lambda b: VehicleState(charge_port_status_color=_text(b)),
        "charge_port_status_color",
    ),
    # Location and odometer (confirmed)
    "location-preciselocation": _spec(
        _precise_location,
        "latitude",
        "longitude",
        "heading_degrees",
        "location_type",
    ),
    "location-isathome": _spec(
        lambda b: VehicleState(is_at_home=_flag(b)), "is_at_home"
    ),
    "odometer-traveleddistance": _spec(
        lambda b: VehicleState(odometer_km=_measure(b, _DISTANCE_KM)), "odometer_km"
    ),
    # Motion and transmission
    "motion-currentspeed": _spec(
        lambda b: VehicleState(speed_km_per_h=_measure(b, _SPEED_KM_PER_H)),
        "speed_km_per_h",
    ),
    "transmission-gearstate": _spec(
        lambda b: VehicleState(gear=_word(GearState, b)), "gear"
    ),
    "transmission-drivemode": _spec(
        lambda b: VehicleState(drive_mode=_text(b, "canonical", "value")),
        "drive_mode",
    ),
    # 12 V battery (confirmed)
    "lowvoltagebattery-stateofcharge": _spec(
        lambda b: VehicleState(
            low_voltage_battery_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "low_voltage_battery_percent",
    ),
    "lowvoltagebattery-status": _spec(
        lambda b: VehicleState(
            low_voltage_battery_status=_word(LowVoltageBatteryStatus, b)
        ),
        "low_voltage_battery_status",
    ),
    # Closures (third-party catalogue only)
    "closure-islocked": _spec(
        lambda b: VehicleState(is_locked=_flag(b, "value", "isLocked")), "is_locked"
    ),
    "closure-doors": _spec(lambda b: VehicleState(doors=_openings(b) or None), "doors"),
    "closure-windows": _spec(
        lambda b: VehicleState(windows=_openings(b) or None), "windows"
    ),
    "closure-sunroof": _spec(lambda b: VehicleState(sunroof=_sunroof(b)), "sunroof"),
    # Each trunk signal owns its own opening of `storage`, never the other one.
    "closure-fronttrunk": _spec(
        lambda b: VehicleState(storage=_front_trunk(b)), "storage.front"
    ),
    "closure-reartrunk": _spec(
        lambda b: VehicleState(storage=_rear_trunk(b)), "storage.rear"
    ),
    "closure-tailgate": _spec(
        lambda b: VehicleState(storage=_tailgate(b)), "storage.tailgate"
    ),
    "closure-enginecover": _spec(
        lambda b: VehicleState(is_engine_cover_open=_flag(b, "isOpen", "value")),
        "is_engine_cover_open",
    ),
    # Combustion engine (third-party catalogue only)
    "internalcombustionengine-fuellevel": _spec(
        lambda b: VehicleState(
            fuel_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "fuel_percent",
    ),
    "internalcombustionengine-amountremaining": _spec(
        lambda b: VehicleState(fuel_amount_l=_measure(b, _VOLUME_L)), "fuel_amount_l"
    ),
    "internalcombustionengine-range": _spec(
        lambda b: VehicleState(fuel_range_km=_measure(b, _DISTANCE_KM)), "fuel_range_km"
    ),
    "internalcombustionengine-oillife": _spec(
        lambda b: VehicleState(
            oil_life_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "oil_life_percent",
    ),
    # Tyres, connectivity, identity, diagnostics (third-party catalogue / signal reference)
    "wheel-tires": _spec(
        _tires,
        "tire_front_left_kpa",
        "tire_front_right_kpa",
        "tire_back_left_kpa",
        "tire_back_right_kpa",
    ),
    "connectivitystatus-isonline": _spec(
        lambda b: VehicleState(is_online=_flag(b)), "is_online"
    ),
    "connectivitystatus-isasleep": _spec(
        lambda b: VehicleState(is_asleep=_flag(b)), "is_asleep"
    ),
    "connectivitystatus-isdigitalkeypaired": _spec(
        lambda b: VehicleState(is_digital_key_paired=_flag(b)),
        "is_digital_key_paired",
    ),
    "connectivitysoftware-currentfirmwareversion": _spec(
        lambda b: VehicleState(software_version=_text(b)), "software_version"
    ),
    # Climate and HVAC
    "climate-externaltemperature": _spec(
        lambda b: VehicleState(exterior_temperature_c=_temperature(b)),
        "exterior_temperature_c",
    ),
    "climate-internaltemperature": _spec(
        lambda b: VehicleState(interior_temperature_c=_temperature(b)),
        "interior_temperature_c",
    ),
    "hvac-cabintargettemperature": _spec(
        lambda b: VehicleState(cabin_target_temperature_c=_temperature(b)),
        "cabin_target_temperature_c",
    ),
    "hvac-iscabinhvacactive": _spec(
        lambda b: VehicleState(is_cabin_hvac_active=_flag(b)), "is_cabin_hvac_active"
    ),
    "hvac-isfrontdefrosteractive": _spec(
        lambda b: VehicleState(is_front_defroster_active=_flag(b)),
        "is_front_defroster_active",
    ),
    "hvac-isreardefrosteractive": _spec(
        lambda b: VehicleState(is_rear_defroster_active=_flag(b)),
        "is_rear_defroster_active",
    ),
    "hvac-issteeringheateractive": _spec(
        lambda b: VehicleState(is_steering_heater_active=_flag(b)),
        "is_steering_heater_active",
    ),
    # Identity, account, surveillance
    "vehicleidentification-vin": _spec(
        lambda b: VehicleState(vin=_text(b, "value", "vin")), "vin"
    ),
    "vehicleidentification-nickname": _spec(
        lambda b: VehicleState(nickname=_text(b)), "nickname"
    ),
    "vehicleidentification-exteriorcolor": _spec(
        lambda b: VehicleState(exterior_color=_text(b)), "exterior_color"
    ),
    "vehicleidentification-trim": _spec(lambda b: VehicleState(trim=_text(b)), "trim"),
    "vehicleuseraccount-role": _spec(
        lambda b: VehicleState(account_role=_text(b)), "account_role"
    ),
    "vehicleuseraccount-permissions": _spec(
        lambda b: VehicleState(account_permissions=_texts(b)), "account_permissions"
    ),
    "surveillance-isenabled": _spec(
        lambda b: VehicleState(is_surveillance_enabled=_flag(b)),
        "is_surveillance_enabled",
    ),
    "surveillance-brand": _spec(
        lambda b: VehicleState(surveillance_brand=_text(b)), "surveillance_brand"
    ),
    # Diagnostics and service
    "diagnostics-dtclist": _spec(_trouble_codes, "trouble_codes"),
    "diagnostics-dtccount": _spec(
        lambda b: VehicleState(trouble_code_count=_whole(b, _COUNT)),
        "trouble_code_count",
    ),
    # Each system signal owns its own entry of `system_statuses` (keyed by its code).
    **{
        code: _spec(_system(code), f"system_statuses.{code}")
        for code in DIAGNOSTIC_SYSTEMS
    },
    "service-isinservice": _spec(
        lambda b: VehicleState(is_in_service=_flag(b)), "is_in_service"
    ),
}
