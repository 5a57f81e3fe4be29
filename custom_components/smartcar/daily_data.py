"""A car whose data moves only once a day: read it once, just after, instead of all day.

Smartcar's V3 REST signals come from a store that is refreshed about daily unless the car is
subscribed to a webhook (SMARTCAR_V3.md), and some cars report once a day of their own. Every
read between two refreshes bills a request and returns the same data time (`retrievedAt`,
`oemUpdatedAt`). So the planner remembers the last `KEPT` data times the car's data moved to;
when each followed the one before by about a day (`DAILY_MIN` to `DAILY_MAX`), the next poll is
`AFTER_REFRESH` after the next one is due (the last gap on from the last data time), with a
probe at most `PROBE_EVERY` after any poll: a car that is really read live shows its data move
at the probe, the gaps stop being daily, and the ordinary pace is back within half a day. A
refresh that is late (due, not come) leaves the ordinary plan (the idle stretch) to find it.

Pure and in UTC: a store's refresh comes after a stretch of time, not at a wall-clock hour, and
the last gap follows it across a DST change (23 or 25 hours).
"""

from datetime import datetime, timedelta
from itertools import pairwise

# Data times kept: three give two gaps, so one gap of a day by chance is not a rhythm.
KEPT = 3
# A gap between two data times of about a day.
DAILY_MIN = timedelta(hours=20)
DAILY_MAX = timedelta(hours=28)
# Read this long after the next refresh is due.
AFTER_REFRESH = timedelta(minutes=5)
# Between refreshes, a probe at most this long after a poll.
PROBE_EVERY = timedelta(hours=12)


def moved(
    data_times: tuple[datetime, ...], data_time: datetime | None
) -> tuple[datetime, ...]:
    """Return the kept data times with `data_time` added if the car's data moved to it."""
    if data_time is None or (data_times and data_time <= data_times[-1]):
        return data_times
    return (*data_times, data_time)[-KEPT:]


def next_refresh(data_times: tuple[datetime, ...]) -> datetime | None:
    """Return when the car's data moves next, if it has moved once a day (else None)."""
    if len(data_times) < KEPT:
        return None
    gaps = [later - earlier for earlier, later in pairwise(data_times)]
    if not all(DAILY_MIN <= gap <= DAILY_MAX for gap in gaps):
        return None
    return data_times[-1] + gaps[-1]


def refresh_read(
    data_times: tuple[datetime, ...], *, now: datetime, min_interval: timedelta
) -> datetime | None:
    """Return when to read data that moves once a day (None: plan it the ordinary way).

    The planner brings it forward to a probe (`PROBE_EVERY`, or its pace if slower).
    """
    refresh = next_refresh(data_times)
    if refresh is None or refresh + AFTER_REFRESH <= now + min_interval:
        return None
    return refresh + AFTER_REFRESH
