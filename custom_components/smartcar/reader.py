"""Reading a car: one request per poll, returning facts instead of changing anything.

A reader is given the car's profile and a `record` callable; it calls `record` with what
Smartcar bills right after each answer, before anything of the answer is used, so the count is on
disk first. What it learns comes back as a `ReadOutcome` for the coordinator to apply. One reader
per way of reading: v3 signals (`SignalsReader`) and v2 batch (`BatchReader`); no Home Assistant.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
import logging
from typing import Protocol

from .api.client import SmartcarClient
from .api.errors import (
    AuthenticationError,
    BillingError,
    NotCapableError,
    RateLimitError,
    ResourceNotFoundError,
    SmartcarPermissionError,
    ValidationError,
    describe_error,
)
from .api.models import Fact, StateResult
from .api.parsers import PATH_READERS
from .api.signals import SIGNALS
from .const import SIGNALS_ENDPOINT, ReadPath
from .profile import ProfileChange, VehicleProfile

_LOGGER = logging.getLogger(__package__)

type Record = Callable[[int], Awaitable[None]]

# Answers for a v2 path meaning it will never be answered: not asked again, values dropped.
UNANSWERABLE = (NotCapableError, ResourceNotFoundError, ValidationError)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadOutcome:
    """What one read brought: facts, keys whose source is gone, and what was learned."""

    facts: tuple[Fact, ...] = ()
    gone: frozenset[str] = frozenset()
    change: ProfileChange = field(default_factory=ProfileChange)
    rate_limit: RateLimitError | None = None
    billing_refused: bool = False
    # v3 signals are not available for this car: read it another way, now.
    fall_back: bool = False


async def async_billed[T: object](record: Record, request: Awaitable[T]) -> T:
    """Await a request and record what Smartcar bills for it, before it is used.

    Smartcar "charges for all successful API requests" (its support article "What is a
    billable API request", S32 in SMARTCAR_V3.md): a refused request bills nothing, and a
    batch bills the paths it answered (`StateResult.billed_requests`).
    """
    response = await request
    await record(response.billed_requests if isinstance(response, StateResult) else 1)
    return response


class Reader(Protocol):
    """One way of reading a car."""

    async def async_read(
        self,
        profile: VehicleProfile,
        needed: Collection[str],
        record: Record,
        now: datetime,
    ) -> ReadOutcome:
        """Read the car once at `now`, recording what is billed before anything is used."""
        ...


class SignalsReader:
    """Reads a car with v3 signals: one page of every signal the car has."""

    def __init__(self, client: SmartcarClient, vehicle_id: str) -> None:
        """Read `vehicle_id` through `client`."""
        self._client = client
        self._vehicle_id = vehicle_id

    async def async_read(
        self,
        profile: VehicleProfile,
        needed: Collection[str],
        record: Record,
        now: datetime,
    ) -> ReadOutcome:
        """Read every signal; a 404 or 501 means this car must be read with v2."""
        try:
            result = await async_billed(
                record, self._client.get_signals(self._vehicle_id)
            )
        except NotCapableError:
            return _fall_back(f"{SIGNALS_ENDPOINT} not capable (501)")
        except ResourceNotFoundError:
            return _fall_back(f"{SIGNALS_ENDPOINT} not found (404)")
        return ReadOutcome(
            facts=result.facts,
            gone=self._gone(result.errors),
            change=ProfileChange(signals_worked=True),
        )

    def _gone(self, errors: Mapping[str, Exception]) -> frozenset[str]:
        """Keys of the signals the car no longer gives (not granted, not capable)."""
        gone: set[str] = set()
        for code, err in errors.items():
            if (
                isinstance(err, SmartcarPermissionError | NotCapableError)
                and code in SIGNALS
            ):
                gone |= SIGNALS[code].fields
            else:
                _LOGGER.debug(
                    "%s: signal %s failed (%s)",
                    self._vehicle_id,
                    code,
                    describe_error(err),
                )
        return frozenset(gone)


def _fall_back(reason: str) -> ReadOutcome:
    return ReadOutcome(change=ProfileChange(signals_failure=reason), fall_back=True)


class BatchReader:
    """Reads a car with v2 batch: the paths enabled entities need that are due, or new ones.

    Due: on the every-poll tier, or on a slower tier whose interval passed since the path last
    answered, or needed since the last read (`VehicleProfile.batch_paths`).
    """

    def __init__(self, client: SmartcarClient, vehicle_id: str) -> None:
        """Read `vehicle_id` through `client`."""
        self._client = client
        self._vehicle_id = vehicle_id

    async def async_read(
        self,
        profile: VehicleProfile,
        needed: Collection[str],
        record: Record,
        now: datetime,
    ) -> ReadOutcome:
        """Read the due paths in one request; each failed path is handled on its own."""
        paths = profile.batch_paths(needed, now)
        if not paths:
            return ReadOutcome()
        result = await async_billed(record, self._client.batch(self._vehicle_id, paths))
        return self._outcome(paths, result, frozenset(needed))

    def _outcome(
        self, paths: tuple[str, ...], result: StateResult, needed: frozenset[str]
    ) -> ReadOutcome:
        errors = result.errors
        unanswerable = {
            path for path, err in errors.items() if isinstance(err, UNANSWERABLE)
        }
        denied: set[str] = set()
        rate_limit: RateLimitError | None = None
        billing = False
        for path, err in errors.items():
            if isinstance(err, AuthenticationError):
                raise err
            if isinstance(err, SmartcarPermissionError):
                denied.add(path)
            elif isinstance(err, BillingError):
                billing = True
            elif isinstance(err, RateLimitError):
                rate_limit = err
            elif path not in unanswerable:
                _LOGGER.debug(
                    "%s: %s failed (%s)", self._vehicle_id, path, describe_error(err)
                )
        gone = frozenset(
            key for path in unanswerable | denied for key in PATH_READERS[path].fields
        )
        return ReadOutcome(
            facts=result.facts,
            gone=gone,
            change=ProfileChange(
                unsupported=frozenset(unanswerable),
                denied=frozenset(denied),
                answered=frozenset(path for path in paths if path not in errors),
                followed=needed,
            ),
            rate_limit=rate_limit,
            billing_refused=billing,
        )


async def async_learn(
    client: SmartcarClient,
    vehicle_id: str,
    profile: VehicleProfile,
    granted_fallback: Collection[str],
    record: Record,
    *,
    v3: bool = False,
) -> VehicleProfile:
    """Learn the car's permissions (not billed) and attributes (billed) once.

    A V3 application has no v2 to ask: the owner's choice stands for the permissions (the car's
    own answers then drop what it does not grant) and attributes come from the v3 vehicle.
    """
    if v3:
        if profile.permissions is None:
            profile = replace(profile, permissions=frozenset(granted_fallback))
        if profile.attributes is None:
            attributes = await async_billed(record, client.get_vehicle_v3(vehicle_id))
            profile = replace(profile, attributes=attributes)
        return profile
    if profile.permissions is None:
        try:
            permissions = frozenset(
                (await client.get_permissions(vehicle_id)).permissions
            )
        except SmartcarPermissionError, ResourceNotFoundError, NotCapableError:
            # Fall back to what the owner chose in the flow.
            permissions = frozenset(granted_fallback)
        profile = replace(profile, permissions=permissions)
    if profile.attributes is None:
        # Read with v2, which every legacy application has.
        attributes = await async_billed(record, client.get_attributes(vehicle_id))
        profile = replace(profile, attributes=attributes)
    return profile


def fact_ages_or(facts: tuple[Fact, ...], fallback: datetime) -> tuple[Fact, ...]:
    """Give facts without a data age `fallback` (when the request was sent)."""
    return tuple(fact if fact.age else replace(fact, age=fallback) for fact in facts)


class CarReader:
    """Reads one car the way its profile says: learns it once, falls back to v2 for good."""

    def __init__(
        self, client: SmartcarClient, vehicle_id: str, *, v3: bool = False
    ) -> None:
        """Read `vehicle_id` through `client`; a V3 application only ever with v3."""
        self._client = client
        self._vehicle_id = vehicle_id
        self._v3 = v3
        self._readers: dict[ReadPath, Reader] = {
            ReadPath.SIGNALS: SignalsReader(client, vehicle_id),
            ReadPath.BATCH: BatchReader(client, vehicle_id),
        }

    async def async_read(
        self,
        profile: VehicleProfile,
        *,
        preferred: ReadPath,
        granted: Collection[str],
        needed: Collection[str],
        record: Record,
        affordable: Callable[[VehicleProfile], bool],
        now: datetime,
    ) -> tuple[VehicleProfile, ReadOutcome | None]:
        """Return what was learned, and the read (None: what is left did not fit it)."""
        profile = await async_learn(
            self._client, self._vehicle_id, profile, granted, record, v3=self._v3
        )
        if not affordable(profile):
            return profile, None
        if self._v3:
            # No v2 to fall back to: a refused read keeps the values, as any failure.
            outcome = await self._readers[ReadPath.SIGNALS].async_read(
                profile, needed, record, now
            )
            return profile, ReadOutcome() if outcome.fall_back else outcome
        read_path = profile.read_path(preferred, now)
        outcome = await self._readers[read_path].async_read(
            profile, needed, record, now
        )
        profile = outcome.change.applied_to(profile, now)
        if not outcome.fall_back:
            return profile, outcome
        _LOGGER.info("%s cannot be read with v3 signals; using v2", self._vehicle_id)
        if not affordable(profile):
            # The batch asks more than the signals did: it waits for a poll it fits.
            return profile, None
        outcome = await self._readers[ReadPath.BATCH].async_read(
            profile, needed, record, now
        )
        return outcome.change.applied_to(profile, now), outcome
