"""Sensors of a Smartcar car: battery, range, fuel, odometer, tyres, oil, charging, diagnostics."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfLength,
    UnitOfPower,
    UnitOfPressure,
    UnitOfTime,
    UnitOfVolume,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .api.models import ChargeState, VehicleState
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .models import SmartcarConfigEntry

# Reads only; commands go through the coordinator's lock.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarSensorDescription(SmartcarEntityDescription, SensorEntityDescription):
    """A Smartcar sensor: its value, and optional extra attributes."""

    value_fn: Callable[[VehicleState], StateType | datetime]


def _charging_state(state: VehicleState) -> str | None:
    return state.charge_state.lower() if state.charge_state is not None else None


def _trouble_code_count(state: VehicleState) -> int | None:
    return len(state.trouble_codes) if state.trouble_codes is not None else None


def _trouble_codes(state: VehicleState) -> Mapping[str, Any]:
    return {"codes": [code.code for code in state.trouble_codes or ()]}


def _tire_pressure(
    key: str, value_fn: Callable[[VehicleState], float | None]
) -> SmartcarSensorDescription:
    return SmartcarSensorDescription(
        key=key,
        translation_key=key,
        path="/tires/pressure",
        value_fn=value_fn,
        device_class=SensorDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.KPA,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
    )


_DESCRIPTIONS: tuple[SmartcarSensorDescription, ...] = (
    SmartcarSensorDescription(
        key="battery_level",
        path="/battery",
        value_fn=lambda state: state.battery_percent,
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    SmartcarSensorDescription(
        key="battery_range",
        translation_key="battery_range",
        path="/battery",
        value_fn=lambda state: state.battery_range_km,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    SmartcarSensorDescription(
        key="battery_capacity",
        translation_key="battery_capacity",
        path="/battery/capacity",
        value_fn=lambda state: state.battery_capacity_kwh,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        suggested_display_precision=1,
    ),
    SmartcarSensorDescription(
        key="charging_state",
        translation_key="charging_state",
        path="/charge",
        value_fn=_charging_state,
        device_class=SensorDeviceClass.ENUM,
        options=[charge_state.lower() for charge_state in ChargeState],
    ),
    SmartcarSensorDescription(
        key="charging_power",
        translation_key="charging_power",
        path=None,
        scopes=frozenset({"read_charge"}),
        value_fn=lambda state: state.charge_power_kw,
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.KILO_WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    # Resets with each charging session: total_increasing reads a drop as a new session,
    # so the Energy dashboard adds up every session.
    SmartcarSensorDescription(
        key="charging_energy_added",
        translation_key="charging_energy_added",
        path=None,
        scopes=frozenset({"read_charge"}),
        value_fn=lambda state: state.energy_added_kwh,
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
    ),
    SmartcarSensorDescription(
        key="charging_voltage",
        translation_key="charging_voltage",
        path=None,
        scopes=frozenset({"read_charge"}),
        value_fn=lambda state: state.charge_voltage_v,
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
    ),
    SmartcarSensorDescription(
        key="charging_current",
        translation_key="charging_current",
        path=None,
        scopes=frozenset({"read_charge"}),
        value_fn=lambda state: state.charge_current_a,
        device_class=SensorDeviceClass.CURRENT,
        native_unit_of_measurement=UnitOfElectricCurrent.AMPERE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
    ),
    SmartcarSensorDescription(
        key="charging_time_remaining",
        translation_key="charging_time_remaining",
        path=None,
        scopes=frozenset({"read_charge"}),
        value_fn=lambda state: state.charge_time_to_complete_min,
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        entity_registry_enabled_default=False,
    ),
    SmartcarSensorDescription(
        key="low_voltage_battery_level",
        translation_key="low_voltage_battery_level",
        path=None,
        scopes=frozenset({"read_battery"}),
        value_fn=lambda state: state.low_voltage_battery_percent,
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    SmartcarSensorDescription(
        key="fuel_level",
        translation_key="fuel_level",
        path="/fuel",
        value_fn=lambda state: state.fuel_percent,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    SmartcarSensorDescription(
        key="fuel_amount",
        translation_key="fuel_amount",
        path="/fuel",
        value_fn=lambda state: state.fuel_amount_l,
        device_class=SensorDeviceClass.VOLUME_STORAGE,
        native_unit_of_measurement=UnitOfVolume.LITERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
    ),
    SmartcarSensorDescription(
        key="fuel_range",
        translation_key="fuel_range",
        path="/fuel",
        value_fn=lambda state: state.fuel_range_km,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    SmartcarSensorDescription(
        key="odometer",
        translation_key="odometer",
        path="/odometer",
        value_fn=lambda state: state.odometer_km,
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.KILOMETERS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=0,
    ),
    _tire_pressure("tire_pressure_front_left", lambda state: state.tire_front_left_kpa),
    _tire_pressure(
        "tire_pressure_front_right", lambda state: state.tire_front_right_kpa
    ),
    _tire_pressure("tire_pressure_rear_left", lambda state: state.tire_back_left_kpa),
    _tire_pressure("tire_pressure_rear_right", lambda state: state.tire_back_right_kpa),
    SmartcarSensorDescription(
        key="oil_life",
        translation_key="oil_life",
        path="/engine/oil",
        value_fn=lambda state: state.oil_life_percent,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
    ),
    SmartcarSensorDescription(
        key="trouble_codes",
        translation_key="trouble_codes",
        path="/diagnostics/dtcs",
        value_fn=_trouble_code_count,
        attributes_fn=_trouble_codes,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SmartcarSensorDescription(
        key="data_age",
        translation_key="data_age",
        path=None,
        value_fn=lambda state: state.data_age,
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors each car supports."""
    async_add_vehicle_entities(
        hass, entry, async_add_entities, lambda _state: _DESCRIPTIONS, SmartcarSensor
    )


class SmartcarSensor(SmartcarEntity, SensorEntity):
    """A value the car reports."""

    entity_description: SmartcarSensorDescription

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """The reported value, in the native metric unit."""
        return self.entity_description.value_fn(self.coordinator.data)
