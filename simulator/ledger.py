"""The request ledger: what Smartcar would bill, per car.

Smartcar bills every *successful* request that reads from or acts on a vehicle; it does not
bill ``/vehicles``, ``/user``, disconnect (``DELETE /application``) or ``/permissions``. A batch
is billed per path (each successful path counts). Failed requests are recorded but not billed.
Webhook subscriptions are not billed (nothing is read from the car).

V3: every successful signals read (``GET /v3/vehicles/{id}``, a page of ``/signals``, one
``/signals/{code}``) and every command is billed once (per request, not per signal: Smartcar
does not say, see SMARTCAR_V3.md section 5.3); ``/v3/connections``, the management API and the
IAM token endpoint (recorded as ``v3-iam``) are not billed. Each entry says which API generation
answered (``v2``/``v3``), whether an application token and an ``sc-user-id`` header were used,
and whether it was billed, so a test can assert "app token and sc-user-id on every vehicle call,
no v2 call".
"""

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from .clock import iso, month_key


@dataclass(frozen=True, kw_only=True)
class LedgerEntry:
    """One request as Smartcar would see it."""

    vehicle_id: str | None
    at: float
    # "v2", "v2-batch", "management", "v3", "v3-commands", "v3-management", "v3-iam"
    api: str
    method: str
    path: str
    status: int
    billed: bool
    generation: str = "v2"
    app_token: bool = False
    sc_user_id: bool = False

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "at": iso(self.at)}


class Ledger:
    """Append-only record of requests with billing counts."""

    def __init__(self) -> None:
        self.entries: list[LedgerEntry] = []

    def record(
        self,
        *,
        vehicle_id: str | None,
        at: float,
        api: str,
        method: str,
        path: str,
        status: int,
        billable: bool,
        app_token: bool = False,
        sc_user_id: bool = False,
    ) -> LedgerEntry:
        entry = LedgerEntry(
            generation="v3" if api.startswith("v3") else "v2",
            app_token=app_token,
            sc_user_id=sc_user_id,
            vehicle_id=vehicle_id,
            at=at,
            api=api,
            method=method,
            path=path,
            status=status,
            billed=billable and 200 <= status < 300,
        )
        self.entries.append(entry)
        return entry

    def billed(self, vehicle_id: str) -> int:
        """Billed requests of one car since the ledger was last reset."""
        return sum(1 for e in self.entries if e.vehicle_id == vehicle_id and e.billed)

    def billed_in_month(self, vehicle_id: str, now: float) -> int:
        month = month_key(now)
        return sum(
            1
            for e in self.entries
            if e.vehicle_id == vehicle_id and e.billed and month_key(e.at) == month
        )

    def requests(self, vehicle_id: str | None = None) -> list[LedgerEntry]:
        if vehicle_id is None:
            return list(self.entries)
        return [e for e in self.entries if e.vehicle_id == vehicle_id]

    def summary(self) -> dict[str, Any]:
        vehicles: dict[str, Any] = {}
        for entry in self.entries:
            if entry.vehicle_id is None:
                continue
            car = vehicles.setdefault(
                entry.vehicle_id,
                {"billed": 0, "requests": 0, "billed_by_path": Counter()},
            )
            car["requests"] += 1
            if entry.billed:
                car["billed"] += 1
                car["billed_by_path"][entry.path] += 1
        for car in vehicles.values():
            car["billed_by_path"] = dict(car["billed_by_path"])
        return {
            "vehicles": vehicles,
            "unbilled_application_requests": sum(
                1 for e in self.entries if e.vehicle_id is None
            ),
            "by_generation": dict(Counter(e.generation for e in self.entries)),
            "vehicle_requests_without_app_token": sum(
                1 for e in self.entries if e.vehicle_id is not None and not e.app_token
            ),
            "vehicle_requests_without_sc_user_id": sum(
                1 for e in self.entries if e.vehicle_id is not None and not e.sc_user_id
            ),
        }

    def reset(self) -> None:
        self.entries.clear()
