"""Typed, unit-tagged results of the Smartcar API.

Units are always metric (the client asks for it): distances in km, volumes in litres, pressures in
kPa, energy in kWh. Smartcar's fractions (0-1) are turned into percentages (0-100) here, once, so
that every `*_percent` field means the same thing whichever API generation produced it.

This module is the one place to import them from; they live in `values` (metadata, enums, small
parts), `results` (single v2 endpoints, tokens, connections) and `state` (`VehicleState`, `Fact`,
`StateResult`).
"""

from .results import (
    Battery,
    BatteryCapacity,
    CapacityOption,
    Charge,
    ChargeLimit,
    CommandResult,
    Connection,
    DiagnosticTroubleCodes,
    EngineOil,
    Fuel,
    Location,
    NominalCapacity,
    Odometer,
    Permissions,
    Security,
    ServiceCost,
    ServiceHistory,
    ServiceRecord,
    SystemStatuses,
    TirePressure,
    Token,
    User,
    VehicleAttributes,
    Vin,
    WebhookSubscription,
)
from .state import Fact, StateResult, VehicleState, field_of
from .values import (
    EMPTY_META,
    ChargeState,
    DiagnosticTroubleCode,
    GearState,
    LowVoltageBatteryStatus,
    Opening,
    OpeningStatus,
    ResponseMeta,
    SystemHealth,
    SystemStatus,
)

__all__ = [
    "EMPTY_META",
    "Battery",
    "BatteryCapacity",
    "CapacityOption",
    "Charge",
    "ChargeLimit",
    "ChargeState",
    "CommandResult",
    "Connection",
    "DiagnosticTroubleCode",
    "DiagnosticTroubleCodes",
    "EngineOil",
    "Fact",
    "Fuel",
    "GearState",
    "Location",
    "LowVoltageBatteryStatus",
    "NominalCapacity",
    "Odometer",
    "Opening",
    "OpeningStatus",
    "Permissions",
    "ResponseMeta",
    "Security",
    "ServiceCost",
    "ServiceHistory",
    "ServiceRecord",
    "StateResult",
    "SystemHealth",
    "SystemStatus",
    "SystemStatuses",
    "TirePressure",
    "Token",
    "User",
    "VehicleAttributes",
    "VehicleState",
    "Vin",
    "WebhookSubscription",
    "field_of",
]
