"""The simulator's state on disk, so a restart (``scripts/develop`` twice) changes nothing.

With ``state_file`` set, the state is loaded at start and written after every request that
may have changed it (and at shutdown): atomically, to a temporary file in the same directory
that then replaces the old one, so a crash never leaves half a file. Kept: the clock offset,
the cars, grants, codes, access/refresh/application tokens, connections, the ledger, recorded
commands, webhooks and subscriptions, the rate bucket and the signal store. Not kept: injected
faults, forced Connect/token errors and the delivery log (test tools, not state).
"""

import dataclasses
import json
import os
from pathlib import Path
import tempfile
from typing import Any

from .fleet import Vehicle
from .ledger import LedgerEntry
from .state import CommandRecord, Simulator, Subscription
from .tokens import AccessToken, AuthorizationCode, Connection, Grant, RefreshToken

FORMAT_VERSION = 1


def _vehicle(vehicle: Vehicle) -> dict[str, Any]:
    data = dataclasses.asdict(vehicle)
    data["unsupported"] = sorted(vehicle.unsupported)
    return data


def _load_vehicle(data: dict[str, Any]) -> Vehicle:
    return Vehicle(**{**data, "unsupported": set(data["unsupported"])})


def dump_state(sim: Simulator) -> dict[str, Any]:
    tokens = sim.tokens
    webhooks = sim.webhooks
    bucket = sim.rate_bucket
    return {
        "version": FORMAT_VERSION,
        "clock_offset": sim.clock_offset,
        "request_counter": sim._request_counter,  # noqa: SLF001 - our own state
        "fleet": [_vehicle(v) for v in sim.fleet.values()],
        "tokens": {
            "counter": tokens._counter,  # noqa: SLF001
            "code_exchanges": tokens.code_exchanges,
            "refreshes": tokens.refreshes,
            "application_token_grants": tokens.application_token_grants,
            "grants": [dataclasses.asdict(g) for g in tokens.grants],
            "codes": [
                {**dataclasses.asdict(c), "grant": c.grant.grant_id}
                for c in tokens.codes.values()
            ],
            "access_tokens": [
                {**dataclasses.asdict(t), "grant": t.grant.grant_id}
                for t in tokens.access_tokens.values()
            ],
            "refresh_tokens": [
                {**dataclasses.asdict(t), "grant": t.grant.grant_id}
                for t in tokens.refresh_tokens.values()
            ],
            "connections": [dataclasses.asdict(c) for c in tokens.connections.values()],
            "application_tokens": dict(tokens.application_tokens),
        },
        "ledger": [dataclasses.asdict(e) for e in sim.ledger.entries],
        "commands": [dataclasses.asdict(c) for c in sim.commands],
        "webhooks": {
            "names": dict(webhooks.names),
            "subscriptions": {k: sorted(v) for k, v in webhooks.subscriptions.items()},
            "urls": dict(webhooks.urls),
            "verified": sorted(webhooks.verified),
            "signals": dict(webhooks.signals),
            "v3_subscriptions": [
                dataclasses.asdict(s) for s in webhooks.v3_subscriptions.values()
            ],
        },
        "rate_bucket": None
        if bucket is None
        else {"level": bucket.level, "updated_at": bucket.updated_at},
        "signal_store": {
            vid: {"at": at, "vehicle": _vehicle(car)}
            for vid, (at, car) in sim.signal_store.items()
        },
    }


def load_state(sim: Simulator, data: dict[str, Any]) -> None:
    """Replace the simulator's state by a dump (``ValueError`` for another format)."""
    if data.get("version") != FORMAT_VERSION:
        raise ValueError("unknown state file format")
    sim.clock_offset = float(data["clock_offset"])
    sim._request_counter = int(data["request_counter"])  # noqa: SLF001
    sim.fleet = {v["vehicle_id"]: _load_vehicle(v) for v in data["fleet"]}
    stored = data["tokens"]
    tokens = sim.tokens
    tokens._counter = stored["counter"]  # noqa: SLF001
    tokens.code_exchanges = stored["code_exchanges"]
    tokens.refreshes = stored["refreshes"]
    tokens.application_token_grants = stored["application_token_grants"]
    grants = {}
    for item in stored["grants"]:
        grant = Grant(**{**item, "scope": tuple(item["scope"])})
        grants[grant.grant_id] = grant
    tokens.grants = list(grants.values())
    tokens.codes = {
        c["code"]: AuthorizationCode(**{**c, "grant": grants[c["grant"]]})
        for c in stored["codes"]
    }
    tokens.access_tokens = {
        t["token"]: AccessToken(**{**t, "grant": grants[t["grant"]]})
        for t in stored["access_tokens"]
    }
    tokens.refresh_tokens = {
        t["token"]: RefreshToken(**{**t, "grant": grants[t["grant"]]})
        for t in stored["refresh_tokens"]
    }
    tokens.connections = {
        (c["user_id"], c["vehicle_id"]): Connection(**c) for c in stored["connections"]
    }
    tokens.application_tokens = dict(stored["application_tokens"])
    sim.ledger.entries = [LedgerEntry(**e) for e in data["ledger"]]
    sim.commands = [CommandRecord(**c) for c in data["commands"]]
    hooks = data["webhooks"]
    webhooks = sim.webhooks
    webhooks.names = dict(hooks["names"])
    webhooks.subscriptions = {k: set(v) for k, v in hooks["subscriptions"].items()}
    webhooks.urls = dict(hooks["urls"])
    webhooks.verified = set(hooks["verified"])
    webhooks.signals = dict(hooks["signals"])
    webhooks.v3_subscriptions = {
        s["subscription_id"]: Subscription(**s) for s in hooks["v3_subscriptions"]
    }
    if sim.rate_bucket is not None and data["rate_bucket"] is not None:
        sim.rate_bucket.level = data["rate_bucket"]["level"]
        sim.rate_bucket.updated_at = data["rate_bucket"]["updated_at"]
    sim.signal_store = {
        vid: (item["at"], _load_vehicle(item["vehicle"]))
        for vid, item in data["signal_store"].items()
    }


def save(sim: Simulator, path: Path) -> None:
    """Write the state atomically (temporary file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(dump_state(sim), separators=(",", ":"))
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w") as file:
            file.write(raw)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(sim: Simulator, path: Path) -> bool:
    """Load the state if the file exists; whether it did."""
    if not path.exists():
        return False
    load_state(sim, json.loads(path.read_text()))
    return True
