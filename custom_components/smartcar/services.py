"""Actions: send a destination to the car's navigation, read its service history."""

from homeassistant.const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    ATTR_LATITUDE,
    ATTR_LONGITUDE,
)
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    service,
)
from homeassistant.util.json import JsonValueType
import probatio

from .api.models import ServiceHistory
from .const import DOMAIN
from .coordinator import SmartcarCoordinator
from .models import SmartcarConfigEntry

SERVICE_SEND_DESTINATION = "send_destination"
SERVICE_GET_SERVICE_HISTORY = "get_service_history"

ATTR_VEHICLE_ID = "vehicle_id"
ATTR_START_DATE = "start_date"
ATTR_END_DATE = "end_date"

# The car is named by its device, or by config entry and Smartcar vehicle id.
_VEHICLE_FIELDS = {
    probatio.Optional(ATTR_DEVICE_ID): cv.string,
    probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    probatio.Optional(ATTR_VEHICLE_ID): cv.string,
}
SEND_DESTINATION_SCHEMA = probatio.Schema(
    {
        **_VEHICLE_FIELDS,
        probatio.Required(ATTR_LATITUDE): probatio.Coerce(float),
        probatio.Required(ATTR_LONGITUDE): probatio.Coerce(float),
    }
)
GET_SERVICE_HISTORY_SCHEMA = probatio.Schema(
    {
        **_VEHICLE_FIELDS,
        probatio.Optional(ATTR_START_DATE): cv.date,
        probatio.Optional(ATTR_END_DATE): cv.date,
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the Smartcar actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_DESTINATION,
        _async_send_destination,
        schema=SEND_DESTINATION_SCHEMA,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_GET_SERVICE_HISTORY,
        _async_get_service_history,
        schema=GET_SERVICE_HISTORY_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders,
    )


@callback
def _async_vehicle(call: ServiceCall, scope: str) -> SmartcarCoordinator:
    """Find the car the action names and check the permission it needs."""
    data = call.data
    if device_id := data.get(ATTR_DEVICE_ID):
        device = dr.async_get(call.hass).async_get(device_id)
        if device is None:
            raise _invalid("unknown_vehicle", vehicle=device_id)
        entry_id: str | None = device.config_entry_id
        vehicle_id = next(
            (
                identifier
                for domain, identifier in device.identifiers
                if domain == DOMAIN
            ),
            None,
        )
    else:
        entry_id, vehicle_id = data.get(ATTR_CONFIG_ENTRY_ID), data.get(ATTR_VEHICLE_ID)
    if entry_id is None or vehicle_id is None:
        raise _invalid("missing_vehicle")
    entry: SmartcarConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, entry_id
    )
    coordinator = entry.runtime_data.vehicles.get(vehicle_id)
    if coordinator is None:
        raise _invalid("unknown_vehicle", vehicle=vehicle_id)
    if not coordinator.has_permissions(frozenset({scope})):
        raise _invalid(
            "missing_permission", permission=scope, vehicle=coordinator.vehicle_name
        )
    return coordinator


async def _async_send_destination(call: ServiceCall) -> None:
    """Send a destination to the car's navigation system."""
    latitude: float = call.data[ATTR_LATITUDE]
    longitude: float = call.data[ATTR_LONGITUDE]
    if not -90 <= latitude <= 90:
        raise _invalid("invalid_latitude", value=str(latitude))
    if not -180 <= longitude <= 180:
        raise _invalid("invalid_longitude", value=str(longitude))
    coordinator = _async_vehicle(call, "control_navigation")
    await coordinator.commands.async_send(
        lambda client, vehicle_id: client.send_destination(
            vehicle_id, latitude, longitude
        )
    )


async def _async_get_service_history(call: ServiceCall) -> ServiceResponse:
    """Return the car's service records, optionally between two dates."""
    start_date = call.data.get(ATTR_START_DATE)
    end_date = call.data.get(ATTR_END_DATE)
    if start_date is not None and end_date is not None and start_date > end_date:
        raise _invalid("invalid_date_range")
    coordinator = _async_vehicle(call, "read_service_history")
    history = await coordinator.commands.async_service_history(start_date, end_date)
    return {"records": _records(history)}


def _records(history: ServiceHistory) -> list[JsonValueType]:
    """Service records as plain JSON."""
    return [
        {
            "service_id": record.service_id,
            "service_date": record.service_date.isoformat()
            if record.service_date
            else None,
            "odometer_distance_km": record.odometer_distance_km,
            "service_tasks": [dict(task) for task in record.service_tasks],
            "service_details": [dict(detail) for detail in record.service_details],
            "service_cost": (
                {
                    "total_cost": record.service_cost.total_cost,
                    "currency": record.service_cost.currency,
                }
                if record.service_cost is not None
                else None
            ),
        }
        for record in history.records
    ]
