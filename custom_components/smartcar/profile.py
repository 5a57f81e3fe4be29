"""What was learned about one car: its permissions, attributes and what it can be asked.

Learned once and stored with the car, so a restart pays for none of it again. Decisions are per
car and reversible: a car that cannot be read with v3 signals falls back to v2 batch on its own,
and tries v3 again after `SIGNALS_RETRY_AFTER`. Pure: no Home Assistant, no clock of its own.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Self

from .api.client import BATCH_PATHS
from .api.models import VehicleAttributes
from .const import PATH_SCOPES, ReadPath

# A car that could not be read with v3 signals is offered them again this long after.
SIGNALS_RETRY_AFTER = timedelta(days=7)


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleProfile:
    """Permissions, attributes and the endpoints one car answers (or never will)."""

    permissions: frozenset[str] | None = None
    attributes: VehicleAttributes | None = None
    # v2 paths answered 501/404/400: never asked again.
    unsupported: frozenset[str] = frozenset()
    # v2 paths refused with 403: asked again after a reauthentication.
    denied: frozenset[str] = frozenset()
    # v2 paths that answered once (the others are worth one request to learn they exist).
    answered: frozenset[str] = frozenset()
    # Since when v3 signals failed for this car (404: not enabled, 501: not capable).
    signals_failed_at: datetime | None = None
    signals_failure: str | None = None
    # The grant (`CONF_GRANTED_AT` of the entry) this was learned under.
    grant: str | None = None

    def read_path(self, preferred: ReadPath, now: datetime) -> ReadPath:
        """Return how this car is read: the entry's choice, unless v3 failed for it lately."""
        if preferred is ReadPath.BATCH:
            return ReadPath.BATCH
        if self.signals_failed_at is not None and (
            now - self.signals_failed_at < SIGNALS_RETRY_AFTER
        ):
            return ReadPath.BATCH
        return ReadPath.SIGNALS

    def has_permissions(self, scopes: Collection[str]) -> bool:
        """Return whether every scope was granted for this car."""
        return self.permissions is not None and set(scopes) <= self.permissions

    def batch_paths(self, needed: Collection[str]) -> tuple[str, ...]:
        """Return the v2 paths worth a request: granted, supported, and needed or not yet seen."""
        permissions = self.permissions or frozenset()
        candidates = {
            path
            for path, scope in PATH_SCOPES.items()
            if scope in permissions
            and path not in self.unsupported
            and path not in self.denied
        }
        wanted = set(needed) | (candidates - self.answered)
        return tuple(path for path in BATCH_PATHS if path in candidates & wanted)

    def poll_cost(self, read_path: ReadPath, needed: Collection[str]) -> int:
        """Billed requests one poll costs: one v3 page, or one per v2 batch path."""
        if read_path is ReadPath.SIGNALS or self.permissions is None:
            return 1
        return len(self.batch_paths(needed))

    def regranted(self, grant: str | None) -> Self:
        """Forget what a new grant may change (permissions, refusals); keep the car's name."""
        if grant == self.grant:
            return self
        return type(self)(
            attributes=self.attributes, answered=self.answered, grant=grant
        )

    def signals_failed(self, now: datetime, reason: str) -> Self:
        """Read this car with v2 batch for a while (v3 refused it)."""
        return replace(self, signals_failed_at=now, signals_failure=reason)

    def signals_work(self) -> Self:
        """v3 signals answered: read with them again."""
        return replace(self, signals_failed_at=None, signals_failure=None)

    def to_json(self) -> dict[str, Any]:
        """Return the profile as JSON for the store."""
        attributes = self.attributes
        return {
            "permissions": None
            if self.permissions is None
            else sorted(self.permissions),
            "attributes": None
            if attributes is None
            else {
                "id": attributes.id,
                "make": attributes.make,
                "model": attributes.model,
                "year": attributes.year,
            },
            "unsupported": sorted(self.unsupported),
            "denied": sorted(self.denied),
            "answered": sorted(self.answered),
            "signals_failed_at": None
            if self.signals_failed_at is None
            else self.signals_failed_at.isoformat(),
            "signals_failure": self.signals_failure,
            "grant": self.grant,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Self:
        """Read a profile written by `to_json`."""
        permissions = data.get("permissions")
        attributes = data.get("attributes")
        failed_at = data.get("signals_failed_at")
        return cls(
            permissions=None if permissions is None else frozenset(permissions),
            attributes=None
            if attributes is None
            else VehicleAttributes(
                id=attributes["id"],
                make=attributes.get("make"),
                model=attributes.get("model"),
                year=attributes.get("year"),
            ),
            unsupported=frozenset(data.get("unsupported", ())),
            denied=frozenset(data.get("denied", ())),
            answered=frozenset(data.get("answered", ())),
            signals_failed_at=None
            if failed_at is None
            else datetime.fromisoformat(failed_at),
            signals_failure=data.get("signals_failure"),
            grant=data.get("grant"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileChange:
    """What one read taught about the car (applied to its profile by the coordinator)."""

    unsupported: frozenset[str] = frozenset()
    denied: frozenset[str] = frozenset()
    answered: frozenset[str] = frozenset()
    signals_failure: str | None = None
    signals_worked: bool = False

    def applied_to(self, profile: VehicleProfile, now: datetime) -> VehicleProfile:
        """Return `profile` with this change."""
        changed = replace(
            profile,
            unsupported=profile.unsupported | self.unsupported,
            denied=profile.denied | self.denied,
            answered=profile.answered | self.answered,
        )
        if self.signals_failure is not None:
            return changed.signals_failed(now, self.signals_failure)
        if self.signals_worked:
            return changed.signals_work()
        return changed
