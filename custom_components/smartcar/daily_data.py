"""A car whose data moves only once a day: read it once, just after, instead of all day.

Smartcar's V3 REST signals come from a store that is refreshed about daily unless the car is
subscribed to a webhook (SMARTCAR_V3.md), and some cars report once a day of their own. Every
read between two refreshes bills a request and returns the same data time (`retrievedAt`,
`oemUpdatedAt`). So the planner remembers the last `KEPT` data times a read found the car's data
moved to; when each followed the one before by about a day (`DAILY_MIN` to `DAILY_MAX`), the
next refresh is expected the mean gap after the last one and read `AFTER_REFRESH` after it
(`refresh_read`). Between refreshes a probe comes at most `PROBE_EVERY` after a poll, unless the
refresh is due within `PROBE_SKIP` anyway: a car that is really read live shows its data move at
the probe, the gaps stop being daily, and the ordinary pace is back. A refresh that is late is
looked for at waits as long as it is late already (the floor, then doubling), for `LATE_MAX`;
after that the ordinary plan takes over. So a refresh a few minutes off its day costs a poll or
two, and one an hour off at a DST change (a store refreshed at a local hour) is found within the
hour.

Pure and in UTC.
"""

from datetime import datetime, timedelta
from itertools import pairwise

from .const import DAY

# Data times kept: three give two gaps, so one gap of a day by chance is not a rhythm.
KEPT = 3
# A gap between two data times of about a day.
DAILY_MIN = timedelta(hours=20)
DAILY_MAX = timedelta(hours=28)
# Read this long after the next refresh is due.
AFTER_REFRESH = timedelta(minutes=5)
# Between refreshes, a probe at most this long after a poll ...
PROBE_EVERY = timedelta(hours=12)
# ... unless the refresh's read comes within this anyway.
PROBE_SKIP = timedelta(hours=18)
# A late refresh is looked for this long after its read was due.
LATE_MAX = timedelta(hours=4)


def moved(
    data_times: tuple[datetime, ...], data_time: datetime | None
) -> tuple[datetime, ...]:
    """Return the kept data times with `data_time` added if the car's data moved to it."""
    if data_time is None or (data_times and data_time <= data_times[-1]):
        return data_times
    return (*data_times, data_time)[-KEPT:]


def next_refresh(data_times: tuple[datetime, ...]) -> tuple[datetime, timedelta] | None:
    """Return when the car's data moves next and how often, if about daily (else None)."""
    if len(data_times) < KEPT:
        return None
    gaps = [later - earlier for earlier, later in pairwise(data_times)]
    if not all(DAILY_MIN <= gap <= DAILY_MAX for gap in gaps):
        return None
    period = sum(gaps, timedelta()) / len(gaps)
    return data_times[-1] + period, period


def refresh_read(
    data_times: tuple[datetime, ...],
    *,
    now: datetime,
    min_interval: timedelta,
    wait: timedelta,
) -> datetime | None:
    """Return the next poll of data that moves once a day (None: plan it the ordinary way).

    The read just after the next refresh, or a probe `PROBE_EVERY` (or the pace's `wait`, if
    longer) on if the read is further than `PROBE_SKIP`; a late refresh is looked for as the
    module says; never sooner than the floor. A pace slower than a read a day (`wait` over a
    day) reads just after the first refresh it reaches, and probes nothing.
    """
    expected = next_refresh(data_times)
    if expected is None:
        return None
    refresh, period = expected
    read = refresh + AFTER_REFRESH
    late = now - read
    if late >= LATE_MAX:
        return None
    if late >= timedelta():
        return now + max(min_interval, late)
    if wait > DAY:
        while read < now + wait:
            read += period
        return read
    if read - now > PROBE_SKIP:
        return now + max(PROBE_EVERY, wait)
    return max(read, now + min_interval)
