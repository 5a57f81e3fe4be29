"""Time for the simulator: an injectable clock and Smartcar's time formats."""

from collections.abc import Callable
from datetime import UTC, datetime
import time

type Clock = Callable[[], float]


class ManualClock:
    """A clock that only moves when told to (for tests: no sleeps)."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        # Default start: 2026-01-01T00:00:00Z.
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def system_clock() -> float:
    """Wall-clock seconds since the epoch."""
    return time.time()


def iso(timestamp: float) -> str:
    """ISO 8601 with milliseconds and ``Z``, the format of Smartcar's ``SC-Data-Age``."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(timestamp: float) -> int:
    """Epoch milliseconds (v3 signal ``meta`` timestamps)."""
    return round(timestamp * 1000)


def month_key(timestamp: float) -> str:
    """The billing period a moment belongs to (calendar month, UTC)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m")
