"""Reading v3 signals (v3 `/signals` and v4 webhooks) into `VehicleState` through `SIGNALS`.

Smartcar's v3 catalogue is young and only partly confirmed (see SMARTCAR_API.md §3), so every code
-> field decision lives in `SIGNALS` below: correcting a code or a body shape is a one-line change.
Bodies carry their own unit (`{"unit": "kilometers", "value": 1234}`); values are converted to the
units of `VehicleState` (km, kPa, litres, kWh, kW, minutes, percent 0-100) by the unit tables of
`signal_units`.
Unknown codes are ignored; a signal whose `status.value` is `ERROR` becomes an error keyed by its
code.

This module reads signals into states; the table lives in `signal_table`, the body readers in
`signal_units` and `signal_bodies`.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from . import _json as j
from .errors import SmartcarResponseError, error_from_body
from .models import (
    EMPTY_META,
    ChargeState,
    Fact,
    Opening,
    ResponseMeta,
    StateResult,
    SystemStatus,
    VehicleState,
)
from .signal_bodies import DIAGNOSTIC_SYSTEMS
from .signal_table import SIGNALS, SignalSpec

type JsonObject = j.JsonObject

# A signal whose `status.value` is UNAVAILABLE (listed beside SUCCESS and ERROR in the OpenAPI
# enum, never described) reads as "owned, value unknown now". False would instead keep the last
# value (the signal then says nothing). See docs/api-v3.md.
UNAVAILABLE_IS_UNKNOWN = True


# --- Reading signals ----------------------------------------------------------------------------


def parse_signals(
    items: Sequence[object], meta: ResponseMeta = EMPTY_META
) -> StateResult:
    """Signals (v3 resources `{attributes{code, body, status}, meta}` or flat v4 webhook items).

    Values merge into one `VehicleState` whose `data_age` is the newest `oemUpdatedAt` (else
    `retrievedAt`). Signals with `status.value == "ERROR"` and bodies of the wrong shape become
    errors keyed by code; unknown codes are ignored.
    """
    state = VehicleState()
    errors: dict[str, Exception] = {}
    facts: list[Fact] = []
    for item in items:
        code, partial, error = read_signal(item)
        if error is not None:
            errors[code] = error
        elif partial is not None:
            state = combine_states(state, partial)
            facts.append(
                Fact(
                    source=code,
                    fields=SIGNALS[code].fields,
                    values=replace(partial, data_age=None),
                    age=partial.data_age,
                )
            )
    facts, state = _with_derived_is_charging(facts, state)
    return StateResult(state=state, errors=errors, meta=meta, facts=tuple(facts))


_IS_CHARGING = "charge-ischarging"
_DETAILED_STATUS = "charge-detailedchargingstatus"


def _with_derived_is_charging(
    facts: list[Fact], state: VehicleState
) -> tuple[list[Fact], VehicleState]:
    """Give `is_charging` from the detailed status when `charge-ischarging` did not answer.

    The same rule as v2 `/charge`: only CHARGING is charging. When the car sends both signals,
    each keeps its own field (a car may report them apart), so nothing is derived.
    """
    if any(fact.source == _IS_CHARGING for fact in facts):
        return facts, state
    derived: list[Fact] = []
    for fact in facts:
        charge_state = fact.values.charge_state
        if fact.source != _DETAILED_STATUS or charge_state is None:
            derived.append(fact)
            continue
        is_charging = charge_state is ChargeState.CHARGING
        derived.append(
            replace(
                fact,
                fields=fact.fields | {"is_charging"},
                values=replace(fact.values, is_charging=is_charging),
            )
        )
        state = replace(state, is_charging=is_charging)
    return derived, state


def read_signal(item: object) -> tuple[str, VehicleState | None, Exception | None]:
    """One signal as `(code, state or None, error or None)`; raises `ShapeError` without a code.

    `status.value`: `ERROR` is an error keyed by the code (its body, often `{value: null}`, is
    not read); `UNAVAILABLE` is a state with no value: the signal still owns its fields, and
    they are unknown now (`UNAVAILABLE_IS_UNKNOWN`); anything else (`SUCCESS`, none) is read.
    """
    obj = j.as_object(item, "signal")
    attributes = j.opt_object(obj, "attributes") or obj
    code = j.req_str(attributes, "code")
    status = j.opt_object(attributes, "status")
    status_value = (j.opt_str(status, "value") or "").upper() if status else ""
    if status is not None and status_value == "ERROR":
        return code, None, error_from_body(j.opt_object(status, "error") or {})
    spec = SIGNALS.get(code)
    if spec is None:
        return code, None, None
    try:
        age = _signal_age(j.opt_object(obj, "meta") or j.opt_object(attributes, "meta"))
        if status_value == "UNAVAILABLE":
            return (
                code,
                (VehicleState(data_age=age) if UNAVAILABLE_IS_UNKNOWN else None),
                None,
            )
        partial = spec.read(j.opt_object(attributes, "body") or {})
    except j.ShapeError as err:
        return code, None, SmartcarResponseError(f"{code}: {err}")
    return code, replace(partial, data_age=age), None


def combine_states(state: VehicleState, partial: VehicleState) -> VehicleState:
    """`state.merge(partial)`, except openings of the same field are united by their `type`."""
    merged = state.merge(partial)
    return replace(
        merged,
        doors=_unite(state.doors, partial.doors) or merged.doors,
        windows=_unite(state.windows, partial.windows) or merged.windows,
        sunroof=_unite(state.sunroof, partial.sunroof) or merged.sunroof,
        storage=_unite(state.storage, partial.storage) or merged.storage,
        charging_port=_unite(state.charging_port, partial.charging_port)
        or merged.charging_port,
        system_statuses=_unite_systems(state.system_statuses, partial.system_statuses)
        or merged.system_statuses,
    )


def _unite_systems(
    old: tuple[SystemStatus, ...] | None, new: tuple[SystemStatus, ...] | None
) -> tuple[SystemStatus, ...] | None:
    """Unite two sets of systems by `system_id` (the newer wins); None unless both are known."""
    if not old or not new:
        return None
    by_id = {system.system_id: system for system in old}
    by_id.update((system.system_id, system) for system in new)
    return tuple(by_id.values())


def _unite(
    old: tuple[Opening, ...] | None, new: tuple[Opening, ...] | None
) -> tuple[Opening, ...] | None:
    """Unite two sets of openings by `type` (the newer wins); None unless both are known."""
    if not old or not new:
        return None
    by_type = {opening.type: opening for opening in old}
    by_type.update((opening.type, opening) for opening in new)
    return tuple(by_type.values())


def _signal_age(meta: JsonObject | None) -> datetime | None:
    """When the car recorded the value (`oemUpdatedAt`), else when Smartcar fetched it."""
    if meta is None:
        return None
    return _known_time(j.opt_datetime(meta, "oemUpdatedAt")) or _known_time(
        j.opt_datetime(meta, "retrievedAt")
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _known_time(value: datetime | None) -> datetime | None:
    """Drop epoch 0: the dashboard sample sends `oemUpdatedAt: 0` for "unknown"."""
    return None if value is None or value == _EPOCH else value


__all__ = [
    "DIAGNOSTIC_SYSTEMS",
    "SIGNALS",
    "UNAVAILABLE_IS_UNKNOWN",
    "SignalSpec",
    "combine_states",
    "parse_signals",
    "read_signal",
]
