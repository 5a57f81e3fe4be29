"""What was learned about one car: its permissions, attributes and what it can be asked.

Learned once and stored with the car, so a restart pays for none of it again. Decisions are per
car and reversible: a car that cannot be read with v3 signals falls back to v2 batch on its own,
and tries v3 again after `SIGNALS_RETRY_AFTER`. Pure: no Home Assistant, no clock of its own.

v2 batch paths are read in tiers (issue #10, docs/benchmarks.md "Tiers on the v2 batch path"):
a batch bills every path it answers, so a path whose data changes slowly, or matters less, is
asked only once its last answer is older than its tier's interval (`PATH_TIERS`); the energy
paths are asked at every poll. A path never answered, one whose entity was just enabled, and one
stored before the times were kept are asked at the next poll.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
import math
from typing import Any, Final, Self

from .api.client import BATCH_PATHS
from .api.models import VehicleAttributes
from .const import DAY, PATH_SCOPES, ReadPath

# A car that could not be read with v3 signals is offered them again this long after.
SIGNALS_RETRY_AFTER = timedelta(days=7)

# --- tiers of v2 batch paths (docs/benchmarks.md "Tiers on the v2 batch path") -------------
# Energy (`/battery`, `/charge`, `/fuel`): what an owner looks at, and what changes while the
# car charges or drives. Asked at every poll, so every poll shows something newer.
EVERY_POLL: Final = timedelta(0)
# Where the car is and whether it is locked: they change only when the car is driven, and
# together with the odometer they are what an owner checks a few times a day, not hourly.
MIDDLE_TIER: Final = timedelta(hours=12)
# What changes over days or weeks (tyres, oil, the battery's capacity, the charge limit the
# owner sets, trouble codes), and the odometer, which is read for service intervals.
SLOW_TIER: Final = timedelta(hours=24)
# A path not named here is asked at every poll.
PATH_TIERS: Final[Mapping[str, timedelta]] = {
    "/location": MIDDLE_TIER,
    "/security": MIDDLE_TIER,
    "/odometer": SLOW_TIER,
    "/battery/capacity": SLOW_TIER,
    "/charge/limit": SLOW_TIER,
    "/tires/pressure": SLOW_TIER,
    "/engine/oil": SLOW_TIER,
    "/diagnostics/dtcs": SLOW_TIER,
    "/diagnostics/system_status": SLOW_TIER,
}


# The polls of a day the slower tiers' reads are counted over in the paced cost (`poll_cost`).
TIER_POLLS_A_DAY: Final = 5


# A plug-in hybrid's fuel level changes only while it drives on petrol; its battery and charge,
# asked at every poll, show what it is doing. A car without a battery keeps `/fuel` every poll.
HYBRID_FUEL_TIER: Final = MIDDLE_TIER


def tier_interval(path: str, *, hybrid: bool = False) -> timedelta:
    """How old a path's last answer may be before it is asked again.

    `hybrid`: the car answers `/battery` too, so `/fuel` is not its only energy path.
    """
    if hybrid and path == "/fuel":
        return HYBRID_FUEL_TIER
    return PATH_TIERS.get(path, EVERY_POLL)


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
    # When each v2 path last answered (a poll's start). A path answered before these times
    # were kept has none: it is due at the next poll.
    answered_at: Mapping[str, datetime] = field(default_factory=dict)
    # The needed paths (entities listening) of the last v2 batch read: a needed path not in
    # it was just enabled, and is read at the next poll whatever its tier.
    followed: frozenset[str] = frozenset()
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

    def _candidates(self) -> frozenset[str]:
        """Return the v2 paths that may be asked: granted, neither unsupported nor refused."""
        permissions = self.permissions or frozenset()
        return frozenset(
            path
            for path, scope in PATH_SCOPES.items()
            if scope in permissions
            and path not in self.unsupported
            and path not in self.denied
        )

    def _due(
        self, path: str, needed: Collection[str], now: datetime, interval: timedelta
    ) -> bool:
        if path not in self.answered:
            return True  # worth one request to learn it exists
        if path not in needed:
            return False
        answered_at = self.answered_at.get(path)
        if path not in self.followed or answered_at is None:
            # Just enabled (a new car's entities too: they appear after its first read), or
            # stored before the times were kept.
            return True
        return now - answered_at >= interval

    def _hybrid(self, candidates: frozenset[str]) -> bool:
        """Return whether `/fuel` is not the car's only energy path (it answers `/battery`)."""
        return "/battery" in self.answered and "/battery" in candidates

    def batch_paths(self, needed: Collection[str], now: datetime) -> tuple[str, ...]:
        """Return the v2 paths worth a request at `now`.

        Granted and supported, and either not yet seen, or needed and due: asked at every
        poll, or on a slower tier whose interval has passed since the path last answered, or
        needed since the last read (an entity was just enabled).
        """
        candidates = self._candidates()
        hybrid = self._hybrid(candidates)
        return tuple(
            path
            for path in BATCH_PATHS
            if path in candidates
            and self._due(path, needed, now, tier_interval(path, hybrid=hybrid))
        )

    def poll_cost(
        self, read_path: ReadPath, needed: Collection[str], now: datetime
    ) -> int:
        """Billed requests a poll at `now` is counted at: one v3 page, or v2 batch paths.

        On v2 batch, the larger of what a poll at `now` really asks (`batch_paths`: the hard
        cap never lets a poll go out that does not fit) and the paced cost: the needed paths
        asked at every poll, plus the slower tiers' reads a day over `TIER_POLLS_A_DAY`,
        rounded up. The planner spreads the month with this figure, so a poll that also reads
        the slow tiers does not make the next wait longer, and the wait right after one does
        not shrink to what the energy paths alone cost. The planner takes whole requests; a
        figure a little high paces a little slower than the allowance, which the daily
        pacing's carry-over spends, while one too low would run ahead of the pace and use up
        the charging boost, so the share is rounded up. At the default plan a car with two
        energy paths polls about five times a day (docs/benchmarks.md), hence the divisor.
        The price: in a month's last hours a poll whose energy paths alone would fit may be
        refused for the paced cost (at most a few requests left unspent).
        """
        if read_path is ReadPath.SIGNALS or self.permissions is None:
            return 1
        asked = len(self.batch_paths(needed, now))
        candidates = self._candidates()
        hybrid = self._hybrid(candidates)
        intervals = [
            tier_interval(path, hybrid=hybrid)
            for path in candidates & frozenset(needed)
        ]
        every_poll = intervals.count(EVERY_POLL)
        reads_a_day = sum(DAY / each for each in intervals if each != EVERY_POLL)
        return max(asked, every_poll + math.ceil(reads_a_day / TIER_POLLS_A_DAY))

    def regranted(self, grant: str | None) -> Self:
        """Forget what a new grant may change (permissions, refusals); keep the car's name."""
        if grant == self.grant:
            return self
        return type(self)(
            attributes=self.attributes,
            answered=self.answered,
            answered_at=self.answered_at,
            followed=self.followed,
            grant=grant,
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
            "answered_at": {
                path: at.isoformat() for path, at in sorted(self.answered_at.items())
            },
            "followed": sorted(self.followed),
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
            # Stored before the times were kept: no time, so due at the next poll.
            answered_at={
                path: datetime.fromisoformat(at)
                for path, at in (data.get("answered_at") or {}).items()
            },
            followed=frozenset(data.get("followed", ())),
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
    # The needed paths a v2 batch read was made for (None: not a v2 batch read).
    followed: frozenset[str] | None = None
    signals_failure: str | None = None
    signals_worked: bool = False

    def applied_to(self, profile: VehicleProfile, now: datetime) -> VehicleProfile:
        """Return `profile` with this change; the paths answered were answered at `now`."""
        changed = replace(
            profile,
            unsupported=profile.unsupported | self.unsupported,
            denied=profile.denied | self.denied,
            answered=profile.answered | self.answered,
            answered_at={
                **profile.answered_at,
                **dict.fromkeys(sorted(self.answered), now),
            },
            followed=profile.followed if self.followed is None else self.followed,
        )
        if self.signals_failure is not None:
            return changed.signals_failed(now, self.signals_failure)
        if self.signals_worked:
            return changed.signals_work()
        return changed
