"""What a car shows: its values, each with the age of its source, and how facts change them.

Each source owns its fields (`api.models.Fact`): a fact replaces exactly the fields it owns,
`None` included, unless what is shown is newer than the fact (by the car's own clock,
`oemUpdatedAt` / `SC-Data-Age`). Pure: no Home Assistant, no clock; stored as JSON.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
import types
import typing
from typing import Any, Self

from .api.models import Fact, Opening, VehicleState

type JsonValue = (
    str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None
)

# A car whose position changed at this decimal of a degree (about 100 m) moved.
_MOVING_PRECISION = 3
_TICK = timedelta(microseconds=1)
# Fields no feature shows: never kept, so never stored nor in diagnostics.
NOT_KEPT = frozenset({"vin"})


@dataclass(frozen=True, slots=True)
class ShownState:
    """The values a car shows and, per ownership key, when the car recorded them."""

    values: VehicleState = field(default_factory=VehicleState)
    ages: Mapping[str, datetime] = field(default_factory=dict)

    def apply(self, facts: Iterable[Fact], *, confirmed: bool = False) -> Self:
        """Return this state with every fact applied that is not older than what is shown.

        `confirmed` facts (a command the car carried out) apply whatever is shown, and stay
        until the car reports something newer than both.
        """
        values, ages = self.values, dict(self.ages)
        for fact in facts:
            keys = fact.fields - NOT_KEPT
            if not keys or (not confirmed and self._is_older(fact, keys, ages)):
                continue
            for key in keys:
                values = _replace_key(values, key, fact.values)
                if fact.age is None:
                    ages.pop(key, None)
                elif confirmed and key in ages and ages[key] >= fact.age:
                    # Newer than the record it replaced: only a later record undoes it.
                    ages[key] += _TICK
                else:
                    ages[key] = fact.age
        newest = max(ages.values(), default=None)
        return type(self)(replace(values, data_age=newest), ages)

    def without(self, keys: Iterable[str]) -> Self:
        """Return this state with the named keys unknown (their source is gone)."""
        values, ages = self.values, dict(self.ages)
        for key in keys:
            values = _replace_key(values, key, VehicleState())
            ages.pop(key, None)
        return type(self)(values, ages)

    @staticmethod
    def _is_older(
        fact: Fact, keys: frozenset[str], ages: Mapping[str, datetime]
    ) -> bool:
        if fact.age is None:
            return False
        return any(key in ages and fact.age < ages[key] for key in keys)

    def to_json(self) -> dict[str, JsonValue]:
        """Return the state as JSON for the store."""
        return {
            "values": _encode(self.values),
            "ages": {key: age.isoformat() for key, age in self.ages.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Read a state written by `to_json`; unknown fields (a downgrade) are dropped."""
        values = _decode(VehicleState, data.get("values") or {})
        ages = {
            key: datetime.fromisoformat(age)
            for key, age in (data.get("ages") or {}).items()
        }
        return cls(values, ages)


def _replace_key(values: VehicleState, key: str, source: VehicleState) -> VehicleState:
    """Set what `key` names in `values` to what `source` has for it."""
    name, _, opening_type = key.partition(".")
    new = getattr(source, name)
    changes: dict[str, Any]
    if not opening_type:
        changes = {name: new}
        return replace(values, **changes)
    # One opening of a tuple: the others stay as they are.
    kept: tuple[Opening, ...] = tuple(
        opening
        for opening in getattr(values, name) or ()
        if opening.type != opening_type
    )
    added = tuple(opening for opening in new or () if opening.type == opening_type)
    changes = {name: (kept + added) or None}
    return replace(values, **changes)


def position(state: VehicleState) -> tuple[float, float] | None:
    """Return the car's (latitude, longitude), when both are known."""
    if state.latitude is None or state.longitude is None:
        return None
    return state.latitude, state.longitude


def has_moved(previous: VehicleState, current: VehicleState) -> bool:
    """Return whether the car moved: its position changed at the third decimal (~100 m)."""
    before, after = position(previous), position(current)
    if before is None or after is None:
        return False
    return any(
        round(old, _MOVING_PRECISION) != round(new, _MOVING_PRECISION)
        for old, new in zip(before, after, strict=True)
    )


# --- JSON ----------------------------------------------------------------------------------


def _encode(value: object) -> JsonValue:
    if is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: _encode(getattr(value, item.name))
            for item in fields(value)
            if getattr(value, item.name) is not None and item.name not in NOT_KEPT
        }
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Enum):
        return _encode(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    raise TypeError(f"cannot store {type(value).__name__}")


def _decode[T](kind: type[T], data: Mapping[str, Any]) -> T:
    hints = typing.get_type_hints(kind)
    known = {item.name for item in fields(kind)}  # type: ignore[arg-type]
    return kind(
        **{
            name: _decode_value(hints[name], value)
            for name, value in data.items()
            if name in known and name not in NOT_KEPT
        }
    )


def _decode_value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        (inner,) = (arg for arg in typing.get_args(hint) if arg is not type(None))
        return _decode_value(inner, value)
    if origin is tuple:
        item_hint = typing.get_args(hint)[0]
        return tuple(_decode_value(item_hint, item) for item in value)
    if origin is dict:
        return dict(value)
    if isinstance(hint, type) and is_dataclass(hint):
        return _decode(hint, value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    # Only datetime has `combine` (a frozen test clock replaces the class this module sees).
    if isinstance(hint, type) and hasattr(hint, "combine"):
        return datetime.fromisoformat(value)
    if hint is float:
        return float(value)
    return value
