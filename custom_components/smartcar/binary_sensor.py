"""Binary sensors of a Smartcar car: plug, charging, every door, window and lid, system alerts."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import re
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.models import Opening, OpeningStatus, SystemHealth, VehicleState
from .entity import (
    SmartcarEntity,
    SmartcarEntityDescription,
    async_add_vehicle_entities,
)
from .models import SmartcarConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartcarBinarySensorDescription(
    SmartcarEntityDescription, BinarySensorEntityDescription
):
    """A Smartcar binary sensor."""

    value_fn: Callable[[VehicleState], bool | None]


@dataclass(frozen=True, kw_only=True)
class _OpeningGroup:
    """A list of openings in /security: its field, its name and the positions we have names for."""

    field: str
    name: str
    device_class: BinarySensorDeviceClass
    # Smartcar position -> translation key; other positions are named with a placeholder.
    positions: Mapping[str, str]
    # Groups that are usually one item (sunroof, charging port) keep one name for every position.
    single_name: bool = False


_OPENING_GROUPS: tuple[_OpeningGroup, ...] = (
    _OpeningGroup(
        field="doors",
        name="door",
        device_class=BinarySensorDeviceClass.DOOR,
        positions={
            "frontLeft": "door_front_left",
            "frontRight": "door_front_right",
            "backLeft": "door_rear_left",
            "backRight": "door_rear_right",
        },
    ),
    _OpeningGroup(
        field="windows",
        name="window",
        device_class=BinarySensorDeviceClass.WINDOW,
        positions={
            "frontLeft": "window_front_left",
            "frontRight": "window_front_right",
            "backLeft": "window_rear_left",
            "backRight": "window_rear_right",
        },
    ),
    _OpeningGroup(
        field="sunroof",
        name="sunroof",
        device_class=BinarySensorDeviceClass.WINDOW,
        positions={},
        single_name=True,
    ),
    _OpeningGroup(
        field="storage",
        name="storage",
        device_class=BinarySensorDeviceClass.OPENING,
        positions={"front": "front_trunk", "rear": "trunk"},
    ),
    _OpeningGroup(
        field="charging_port",
        name="charging_port",
        device_class=BinarySensorDeviceClass.OPENING,
        positions={},
        single_name=True,
    ),
)


def _snake(position: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", position).lower()


def _find_opening(state: VehicleState, field: str, position: str) -> Opening | None:
    openings: tuple[Opening, ...] | None = getattr(state, field)
    return next((item for item in openings or () if item.type == position), None)


def _opening_description(
    group: _OpeningGroup, position: str
) -> SmartcarBinarySensorDescription:
    """One door, window or lid the car reports."""

    def is_open(state: VehicleState) -> bool | None:
        opening = _find_opening(state, group.field, position)
        if opening is None or opening.status is OpeningStatus.UNKNOWN:
            return None
        return opening.status is OpeningStatus.OPEN

    if group.single_name:
        translation_key, placeholders = group.name, None
    elif position in group.positions:
        translation_key, placeholders = group.positions[position], None
    else:
        translation_key = f"{group.name}_other"
        placeholders = {"position": _snake(position).replace("_", " ")}
    return SmartcarBinarySensorDescription(
        key=f"{group.name}_{_snake(position)}",
        translation_key=translation_key,
        translation_placeholders=placeholders,
        path="/security",
        value_fn=is_open,
        exists_fn=lambda state: _find_opening(state, group.field, position) is not None,
        device_class=group.device_class,
    )


def _has_system_alert(state: VehicleState) -> bool | None:
    if state.system_statuses is None:
        return None
    return any(system.status is SystemHealth.ALERT for system in state.system_statuses)


# The car's own tyre pressure warning: v2 /diagnostics/system_status names it SYSTEM_TPMS,
# v3 sends it as the `diagnostics-tirepressure` system signal (SMARTCAR_V3.md §4.2).
# (`diagnostics-tirepressuremonitoring` is the health of the monitoring itself, not a warning.)
_TIRE_PRESSURE_SYSTEMS = frozenset({"SYSTEM_TPMS", "diagnostics-tirepressure"})


def _tire_pressure_warning(state: VehicleState) -> bool | None:
    """Whether the car's own tyre pressure monitoring warns (no threshold of ours)."""
    warnings = [
        system.status is SystemHealth.ALERT
        for system in state.system_statuses or ()
        if system.system_id in _TIRE_PRESSURE_SYSTEMS
    ]
    return any(warnings) if warnings else None


def _system_alerts(state: VehicleState) -> Mapping[str, Any]:
    return {
        "alerts": [
            {"system": system.system_id, "description": system.description}
            for system in state.system_statuses or ()
            if system.status is SystemHealth.ALERT
        ]
    }


_DESCRIPTIONS: tuple[SmartcarBinarySensorDescription, ...] = (
    SmartcarBinarySensorDescription(
        key="plugged_in",
        translation_key="plugged_in",
        path="/charge",
        value_fn=lambda state: state.is_plugged_in,
        device_class=BinarySensorDeviceClass.PLUG,
    ),
    SmartcarBinarySensorDescription(
        key="charging",
        translation_key="charging",
        path="/charge",
        value_fn=lambda state: state.is_charging,
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
    ),
    # Shown by default: they explain why a command or a fresh value does not come.
    SmartcarBinarySensorDescription(
        key="online",
        translation_key="online",
        path=None,
        value_fn=lambda state: state.is_online,
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SmartcarBinarySensorDescription(
        key="asleep",
        translation_key="asleep",
        path=None,
        value_fn=lambda state: state.is_asleep,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SmartcarBinarySensorDescription(
        key="tire_pressure_warning",
        translation_key="tire_pressure_warning",
        path="/diagnostics/system_status",
        value_fn=_tire_pressure_warning,
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    SmartcarBinarySensorDescription(
        key="system_alerts",
        translation_key="system_alerts",
        path="/diagnostics/system_status",
        value_fn=_has_system_alert,
        attributes_fn=_system_alerts,
        device_class=BinarySensorDeviceClass.PROBLEM,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
)


def _descriptions(state: VehicleState) -> Iterable[SmartcarBinarySensorDescription]:
    """Yield the fixed binary sensors, and one per opening the car reports."""
    yield from _DESCRIPTIONS
    for group in _OPENING_GROUPS:
        openings: tuple[Opening, ...] | None = getattr(state, group.field)
        for opening in openings or ():
            yield _opening_description(group, opening.type)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors each car supports."""
    async_add_vehicle_entities(
        hass, entry, async_add_entities, _descriptions, SmartcarBinarySensor
    )


class SmartcarBinarySensor(SmartcarEntity, BinarySensorEntity):
    """A yes/no fact the car reports."""

    entity_description: SmartcarBinarySensorDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the plug is in, the car charges, an opening is open, a system alerts."""
        return self.entity_description.value_fn(self.coordinator.data)
