"""Actions: send a destination to the car's navigation, read its service history.

Inputs are checked here rather than by the schema, so that every refusal is a translated
`ServiceValidationError` (a schema's own error is not) and nothing is sent to the car. Types are
strict: a coordinate is a number, never a boolean or a text that looks like one.
"""

from collections.abc import Mapping
from datetime import date, datetime
import re

from homeassistant.const import ATTR_DEVICE_ID, ATTR_LATITUDE, ATTR_LONGITUDE
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, service
from homeassistant.util import dt as dt_util
from homeassistant.util.json import JsonValueType
import probatio

from .api.models import ServiceHistory
from .commands import send_destination
from .const import DOMAIN
from .coordinator import SmartcarCoordinator
from .models import SmartcarConfigEntry

SERVICE_SEND_DESTINATION = "send_destination"
SERVICE_GET_SERVICE_HISTORY = "get_service_history"

ATTR_LOCATION = "location"
ATTR_START_DATE = "start_date"
ATTR_END_DATE = "end_date"

# Which fields exist is the schema's business; what they hold is checked by the actions.
SEND_DESTINATION_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_DEVICE_ID): object,
        probatio.Optional(ATTR_LOCATION): object,
        probatio.Optional(ATTR_LATITUDE): object,
        probatio.Optional(ATTR_LONGITUDE): object,
    }
)
GET_SERVICE_HISTORY_SCHEMA = probatio.Schema(
    {
        probatio.Optional(ATTR_DEVICE_ID): object,
        probatio.Optional(ATTR_START_DATE): object,
        probatio.Optional(ATTR_END_DATE): object,
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
    """Find the car of the action's device and check the permission it needs."""
    device_id = call.data.get(ATTR_DEVICE_ID)
    if not isinstance(device_id, str) or not device_id:
        raise _invalid("missing_vehicle")
    device = dr.async_get(call.hass).async_get(device_id)
    vehicle_id = next(
        (
            identifier
            for domain, identifier in (device.identifiers if device else ())
            if domain == DOMAIN
        ),
        None,
    )
    if device is None or vehicle_id is None:
        raise _invalid("unknown_vehicle", device=device_id)
    entry: SmartcarConfigEntry = service.async_get_config_entry(
        call.hass, DOMAIN, device.config_entry_id
    )
    coordinator = entry.runtime_data.vehicles.get(vehicle_id)
    if coordinator is None:
        # The car left the account; its device stays until the owner removes it.
        raise _invalid("unknown_vehicle", device=device_id)
    if not coordinator.has_permissions(frozenset({scope})):
        raise _invalid(
            "missing_permission", permission=scope, vehicle=coordinator.vehicle_name
        )
    return coordinator


def _number(value: object) -> float | None:
    """Return a number as a float; None for anything else (a boolean or a text too)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _destination(data: Mapping[str, object]) -> tuple[float, float]:
    """Read the destination: a location from the map, or a latitude and a longitude."""
    location = data.get(ATTR_LOCATION)
    given = ATTR_LATITUDE in data or ATTR_LONGITUDE in data
    if location is not None:
        if given:
            raise _invalid("ambiguous_destination")
        if (
            not isinstance(location, Mapping)
            or ATTR_LATITUDE not in location
            or ATTR_LONGITUDE not in location
        ):
            raise _invalid("invalid_location")
        data = location
    elif ATTR_LATITUDE not in data or ATTR_LONGITUDE not in data:
        raise _invalid("missing_destination")
    latitude = _number(data[ATTR_LATITUDE])
    longitude = _number(data[ATTR_LONGITUDE])
    if latitude is None:
        raise _invalid("latitude_not_a_number")
    if longitude is None:
        raise _invalid("longitude_not_a_number")
    # The comparisons also refuse NaN, which compares false with everything.
    if not -90 <= latitude <= 90:
        raise _invalid("invalid_latitude")
    if not -180 <= longitude <= 180:
        raise _invalid("invalid_longitude")
    return latitude, longitude


async def _async_send_destination(call: ServiceCall) -> None:
    """Send a destination to the car's navigation system."""
    latitude, longitude = _destination(call.data)
    coordinator = _async_vehicle(call, "control_navigation")
    await coordinator.commands.async_send(send_destination(latitude, longitude))


def _date(value: object) -> date | None:
    """Read a day: a date, or a text `YYYY-MM-DD` as the date selector gives it."""
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and (day := dt_util.parse_date(value)) is not None:
        return day
    raise _invalid("invalid_date", value=str(value))


async def _async_get_service_history(call: ServiceCall) -> ServiceResponse:
    """Return the car's service records, optionally between two dates."""
    start_date = _date(call.data.get(ATTR_START_DATE))
    end_date = _date(call.data.get(ATTR_END_DATE))
    if start_date is not None and end_date is not None and start_date > end_date:
        raise _invalid("invalid_date_range")
    coordinator = _async_vehicle(call, "read_service_history")
    history = await coordinator.commands.async_service_history(start_date, end_date)
    return {"records": _records(history)}


def _snake(key: str) -> str:
    """`taskDescription` -> `task_description`: one spelling for every key of the answer."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", key).lower()


def _items(items: tuple[dict[str, str | None], ...]) -> list[JsonValueType]:
    return [{_snake(key): value for key, value in item.items()} for item in items]


def _records(history: ServiceHistory) -> list[JsonValueType]:
    """Service records as plain JSON, every key in snake_case."""
    return [
        {
            "service_id": record.service_id,
            "service_date": record.service_date.isoformat()
            if record.service_date
            else None,
            "odometer_distance_km": record.odometer_distance_km,
            "service_tasks": _items(record.service_tasks),
            "service_details": _items(record.service_details),
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
