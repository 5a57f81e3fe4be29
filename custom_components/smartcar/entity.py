"""Base entity and description of the Smartcar integration; device info per car."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.models import VehicleState
from .const import DOMAIN, PATH_SCOPES
from .coordinator import SmartcarCoordinator
from .models import SmartcarConfigEntry
from .naming import display_make


def signal_new_vehicle(entry_id: str) -> str:
    """Dispatcher signal sent when a car joins the account after setup."""
    return f"{DOMAIN}_{entry_id}_new_vehicle"


@dataclass(frozen=True, kw_only=True)
class SmartcarEntityDescription(EntityDescription):
    """What every Smartcar entity declares: the data it shows and the permissions it needs.

    `path` is the v2 endpoint holding the data (its read scope is required); `scopes` lists any
    further scope, e.g. the control scope of a command. The entity exists once the car reported a
    value (`value_fn` is not None, or `exists_fn` when that is not the test), so entities are
    created only for what the car supports.
    """

    path: str | None
    scopes: frozenset[str] = frozenset()
    value_fn: Callable[[VehicleState], object]
    exists_fn: Callable[[VehicleState], bool] | None = None
    attributes_fn: Callable[[VehicleState], Mapping[str, Any]] | None = None

    def is_reported(self, state: VehicleState) -> bool:
        """Return whether the car reports the entity's data."""
        if self.exists_fn is not None:
            return self.exists_fn(state)
        return self.value_fn(state) is not None

    @property
    def required_scopes(self) -> frozenset[str]:
        """Every scope the entity needs."""
        if self.path is None:
            return self.scopes
        return self.scopes | {PATH_SCOPES[self.path]}


def vehicle_device_info(coordinator: SmartcarCoordinator) -> DeviceInfo:
    """Device of one car, identified by its Smartcar id (never its VIN).

    Named by make and model as the carmaker writes them ("Tesla Model 3"); the model year
    and the software version where the car reports them.
    """
    attributes = coordinator.attributes
    make = display_make(attributes.make) if attributes else None
    model = attributes.model if attributes else None
    year = attributes.year if attributes else None
    state: VehicleState | None = coordinator.data
    name = " ".join(part for part in (make, model) if part)
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.vehicle_id)},
        manufacturer=make,
        model=f"{model} ({year})" if model and year else model,
        name=name or coordinator.vehicle_name,
        sw_version=state.software_version if state is not None else None,
    )


class SmartcarEntity(CoordinatorEntity[SmartcarCoordinator]):
    """An entity of one car."""

    _attr_has_entity_name = True
    entity_description: SmartcarEntityDescription

    def __init__(
        self, coordinator: SmartcarCoordinator, description: SmartcarEntityDescription
    ) -> None:
        """Listen with the entity's path as context, so the coordinator reads what is shown."""
        super().__init__(coordinator, context=description.path)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.vehicle_id}_{description.key}"
        self._attr_device_info = vehicle_device_info(coordinator)

    @property
    @override
    def available(self) -> bool:
        """Available while the coordinator is and the car still reports the data."""
        return super().available and self.entity_description.is_reported(
            self.coordinator.data
        )

    @property
    @override
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Details that do not fit the state, e.g. the trouble codes themselves."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.coordinator.data)


@callback
def async_add_vehicle_entities[DescriptionT: SmartcarEntityDescription](
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    descriptions: Callable[[VehicleState], Iterable[DescriptionT]],
    entity_factory: Callable[[SmartcarCoordinator, DescriptionT], SmartcarEntity],
) -> None:
    """Add each car's entities once it granted the permissions and reported the data.

    Data that a sleeping car or a later poll brings adds its entities then; cars that join the
    account later get theirs when they appear.
    """

    @callback
    def add_vehicle(coordinator: SmartcarCoordinator) -> None:
        added: set[str] = set()

        @callback
        def add_supported() -> None:
            state: VehicleState | None = coordinator.data
            if state is None:
                # Not read yet: the entities come with the first data.
                return
            new = [
                description
                for description in descriptions(state)
                if description.key not in added
                and coordinator.has_permissions(description.required_scopes)
                and description.is_reported(state)
            ]
            added.update(description.key for description in new)
            if new:
                async_add_entities(
                    entity_factory(coordinator, description) for description in new
                )

        add_supported()
        entry.async_on_unload(coordinator.async_add_listener(add_supported))

    for coordinator in entry.runtime_data.vehicles.values():
        add_vehicle(coordinator)

    @callback
    def add_new_vehicle(vehicle_id: str) -> None:
        add_vehicle(entry.runtime_data.vehicles[vehicle_id])

    entry.async_on_unload(
        async_dispatcher_connect(
            hass, signal_new_vehicle(entry.entry_id), add_new_vehicle
        )
    )
