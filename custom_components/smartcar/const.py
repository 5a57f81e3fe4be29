"""Constants of the Smartcar integration."""

from datetime import timedelta
from enum import StrEnum
import logging
from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "smartcar"
LOGGER: Final = logging.getLogger(__package__)

PLATFORMS: Final = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.DEVICE_TRACKER,
    Platform.LOCK,
    Platform.NUMBER,
    Platform.SENSOR,
    Platform.SWITCH,
]

# Where the owner registers the redirect URI and finds the Client ID and Secret.
SMARTCAR_DASHBOARD_URL: Final = "https://dashboard.smartcar.com/team/applications"
SMARTCAR_PERMISSIONS_DOCS_URL: Final = (
    "https://smartcar.com/docs/api-reference/permissions"
)

# Config entry data
CONF_PERMISSIONS: Final = "permissions"
CONF_MODE: Final = "mode"
CONF_VEHICLES: Final = "vehicles"
# Smartcar's own id of the webhook (its dashboard's, not Home Assistant's webhook id in the
# callback URI) and the cars subscribed to it. Both are kept in the entry's data, not its options:
# they are learned from Smartcar (a signed VERIFY) rather than chosen; the subscribed cars only mean
# something with the id they were subscribed to, so both change in one write; and the options are
# rebuilt from the form on every submit, which could drop an id learned while the form was open.
CONF_SMARTCAR_WEBHOOK_ID: Final = "smartcar_webhook_id"
CONF_SUBSCRIBED_VEHICLES: Final = "subscribed_vehicles"

# Which kind of Smartcar application the entry uses: a V3 application (API credentials, one
# application token, the owner's `sc-user-id`) or a legacy one (per-user Connect tokens, v2).
CONF_API_GENERATION: Final = "api_generation"
# The V3 application's API credentials (not the Connect Application ID) and the owner's id.
CONF_API_CLIENT_ID: Final = "api_client_id"
CONF_API_CLIENT_SECRET: Final = "api_client_secret"  # noqa: S105  - a key, not a secret
CONF_USER_ID: Final = "user_id"
# When the owner last granted access (a login, a reauthentication, a reconfiguration): what
# was learned about the cars before it (permissions, refusals) is learned again.
CONF_GRANTED_AT: Final = "granted_at"

# Options
CONF_READ_PATH: Final = "read_path"
CONF_MONTHLY_LIMIT: Final = "monthly_limit"
CONF_MIN_POLL_INTERVAL: Final = "min_poll_interval"
# The Application Management Token signs Smartcar's webhooks; with it set, webhooks are on.
CONF_MANAGEMENT_TOKEN: Final = "management_token"  # noqa: S105  - a key, not a secret

# Entities of the owner's (a person, an alarm clock) whose change asks for a read of the cars.
CONF_READ_TRIGGERS: Final = "read_triggers"
# A triggered read waits this long: a car that just parked reports its state a little later.
READ_TRIGGER_DELAY: Final = timedelta(minutes=2)
# A day, for the paces and tiers that are counted per day.
DAY: Final = timedelta(days=1)

DEFAULT_MONTHLY_LIMIT: Final = 500
# Minutes; Smartcar asks for no more than one poll every 30 minutes in typical use.
DEFAULT_MIN_POLL_INTERVAL: Final = 15
MIN_POLL_INTERVAL_FLOOR: Final = 5
# While webhooks bring the data, a daily poll catches what a lost delivery missed: at most 31
# billed polls a car-month (issue #10).
WEBHOOK_SAFETY_POLL_INTERVAL: Final = timedelta(hours=24)

# Cars added to the Smartcar account later appear within this time; /vehicles is not billed.
VEHICLE_DISCOVERY_INTERVAL: Final = timedelta(hours=6)

# Rows of the per-vehicle data kept in the config entry.
VEHICLE_MAKE: Final = "make"
VEHICLE_MODEL: Final = "model"
VEHICLE_YEAR: Final = "year"
VEHICLE_UNSUPPORTED: Final = "unsupported"

# The v3 read, recorded among the unsupported endpoints when a car answers it with 501.
SIGNALS_ENDPOINT: Final = "/signals"


class ConnectMode(StrEnum):
    """Smartcar Connect mode: real cars or the dashboard's simulated ones."""

    LIVE = "live"
    SIMULATED = "simulated"


class ApiGeneration(StrEnum):
    """The kind of Smartcar application an entry uses."""

    LEGACY = "legacy"
    V3 = "v3"


class ReadPath(StrEnum):
    """How the integration reads a car: v3 signals, or v2 batch for applications without v3."""

    SIGNALS = "signals"
    BATCH = "batch"


class PermissionGroup(StrEnum):
    """What the owner can grant in the first step; each maps to Smartcar scopes."""

    LOCATION = "location"
    ODOMETER = "odometer"
    BATTERY = "battery"
    FUEL = "fuel"
    SECURITY = "security"
    TIRES = "tires"
    ENGINE_OIL = "engine_oil"
    DIAGNOSTICS = "diagnostics"
    CONTROL_SECURITY = "control_security"
    CONTROL_CHARGE = "control_charge"
    CONTROL_NAVIGATION = "control_navigation"


# Asked for whatever the owner picks: the car's make, model and year (they name the device).
BASE_SCOPES: Final = ("read_vehicle_info",)

PERMISSION_SCOPES: Final[dict[PermissionGroup, tuple[str, ...]]] = {
    PermissionGroup.LOCATION: ("read_location",),
    PermissionGroup.ODOMETER: ("read_odometer",),
    PermissionGroup.BATTERY: ("read_battery", "read_charge"),
    PermissionGroup.FUEL: ("read_fuel",),
    PermissionGroup.SECURITY: ("read_security",),
    PermissionGroup.TIRES: ("read_tires",),
    PermissionGroup.ENGINE_OIL: ("read_engine_oil",),
    PermissionGroup.DIAGNOSTICS: ("read_diagnostics", "read_service_history"),
    # A control entity shows the state it controls, so it needs that read scope too.
    PermissionGroup.CONTROL_SECURITY: ("control_security", "read_security"),
    PermissionGroup.CONTROL_CHARGE: ("control_charge", "read_charge"),
    PermissionGroup.CONTROL_NAVIGATION: ("control_navigation",),
}


def scopes_for(groups: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Return the Smartcar scopes for the chosen permission groups, in a stable order."""
    chosen = {PermissionGroup(group) for group in groups}
    scopes = dict.fromkeys(BASE_SCOPES)
    for group, group_scopes in PERMISSION_SCOPES.items():
        if group in chosen:
            scopes.update(dict.fromkeys(group_scopes))
    return tuple(scopes)


# The v2 read scope each batch path needs; the coordinator never asks for a path whose scope is
# missing. `/vin` is left out on purpose: no entity shows the VIN, so it is never worth a request.
PATH_SCOPES: Final[dict[str, str]] = {
    "/battery": "read_battery",
    "/battery/capacity": "read_battery",
    "/charge": "read_charge",
    "/charge/limit": "read_charge",
    "/fuel": "read_fuel",
    "/odometer": "read_odometer",
    "/location": "read_location",
    "/security": "read_security",
    "/tires/pressure": "read_tires",
    "/engine/oil": "read_engine_oil",
    "/diagnostics/dtcs": "read_diagnostics",
    "/diagnostics/system_status": "read_diagnostics",
}
