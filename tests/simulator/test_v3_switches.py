"""Rate bucket, v2 retirement, run-time settings, the CLI switches and the state file."""

from pathlib import Path
from typing import Any

from aiohttp import web
import pytest

from simulator import TESLA_ID, ManualClock, Simulator, create_app
from simulator.__main__ import parse_args
from simulator.config import SimulatorConfig

from .conftest import (
    Client,
    Tokens,
    application_token,
    approve,
    basic,
    bearer,
    connect,
    exchange,
    v3_headers,
)


async def test_the_application_bucket_empties_and_refills(
    client: Client, sim: Simulator, clock: ManualClock, tokens: Tokens
) -> None:
    sim.reconfigure(SimulatorConfig(app_rate_limit=120, app_rate_refill_per_minute=2))
    headers = v3_headers(await application_token(client))
    path = f"/v3/vehicles/{TESLA_ID}"

    statuses = [(await client.get(path, headers=headers)).status for _ in range(120)]
    limited = await client.get(path, headers=headers)
    v2_limited = await client.get("/v2.0/vehicles", headers=bearer(tokens.access_token))
    clock.advance(30)
    refilled = await client.get(path, headers=headers)
    empty_again = await client.get(path, headers=headers)

    assert set(statuses) == {200}
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "30"
    error = (await limited.json())["errors"][0]
    assert (error["type"], error["code"]) == ("RATE_LIMIT", "SMARTCAR_API")
    assert v2_limited.status == 429
    assert (await v2_limited.json())["code"] == "SMARTCAR_API"
    assert refilled.status == 200
    assert empty_again.status == 429
    ledger = await (await client.get("/sim/ledger", params={"entries": "true"})).json()
    assert ledger["entries"][-1]["status"] == 429
    assert ledger["entries"][-1]["billed"] is False


async def test_a_bucket_that_never_refills_says_an_hour(
    client: Client, sim: Simulator, tokens: Tokens
) -> None:
    sim.reconfigure(SimulatorConfig(app_rate_limit=1, app_rate_refill_per_minute=0))
    headers = bearer(tokens.access_token)

    await client.get("/v2.0/vehicles", headers=headers)
    limited = await client.get("/v2.0/vehicles", headers=headers)

    assert limited.headers["Retry-After"] == "3600"


@pytest.mark.parametrize(("variant", "status"), [("version", 404), ("gone", 410)])
async def test_a_retired_v2_refuses_every_v2_call(
    client: Client, sim: Simulator, tokens: Tokens, variant: str, status: int
) -> None:
    sim.reconfigure(SimulatorConfig(v2_retired=variant))
    headers = bearer(tokens.access_token)

    answers = [
        await client.get("/v2.0/vehicles", headers=headers),
        await client.get(f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=headers),
        await client.post(f"/v2.0/vehicles/{TESLA_ID}/batch", headers=headers),
    ]
    v3 = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals",
        headers=v3_headers(await application_token(client)),
    )

    for answer in answers:
        assert answer.status == status
        body = await answer.json()
        assert (body["type"], body["code"], body["statusCode"]) == (
            "RESOURCE_NOT_FOUND",
            "VERSION",
            status,
        )
    assert v3.status == 200
    ledger = await (await client.get("/sim/ledger")).json()
    # Three refused v2 calls; the application token request and one v3 read.
    assert ledger["by_generation"] == {"v2": 3, "v3": 2}


async def test_settings_are_switched_over_the_control_api(
    client: Client, sim: Simulator
) -> None:
    before = await (await client.get("/sim/settings")).json()
    changed = await client.patch(
        "/sim/settings",
        json={
            "v2_retired": "gone",
            "app_rate_limit": 5,
            "redirect_uris": ["https://a.example/cb"],
            "access_token_lifetime": 60,
        },
    )
    unknown = await client.patch("/sim/settings", json={"warp": 1})
    invalid = await client.patch("/sim/settings", json={"v2_retired": "soon"})
    fixed = await client.patch("/sim/settings", json={"state_file": "state.json"})

    assert before["v2_retired"] == "off"
    assert "state_file" not in before
    assert changed.status == 200
    assert sim.config.v2_retired == "gone"
    assert sim.config.redirect_uris == ("https://a.example/cb",)
    assert sim.rate_bucket is not None
    assert sim.tokens.lifetimes.access == 60
    assert (unknown.status, invalid.status, fixed.status) == (400, 400, 400)


def test_cli_switches_and_the_v3_profile() -> None:
    config, _, _ = parse_args(
        [
            "--v3",
            "--iam-credentials",
            "basic",
            "--connect-redirect",
            "user_id",
            "--v2-retired",
            "gone",
            "--signal-refresh-seconds",
            "live",
            "--app-rate-limit",
            "off",
            "--signal-store-needs-subscription",
            "--state-file",
            "sim-state.json",
        ],
        environ={},
    )

    assert config.v3_user_tokens == "reject"
    assert config.vehicle_envelope == "data"
    assert config.iam_credentials == "basic"
    assert config.connect_redirect == "user_id"
    assert config.v2_retired == "gone"
    assert config.signal_refresh_seconds is None
    assert config.app_rate_limit is None
    assert config.signal_store_needs_subscription is True
    assert config.state_file == "sim-state.json"
    assert parse_args(["--v3"], environ={})[0].app_rate_limit == 120


def test_environment_switches() -> None:
    config = SimulatorConfig.from_env(
        {
            "SMARTCAR_SIM_V2_RETIRED": "version",
            "SMARTCAR_SIM_SIGNAL_REFRESH_SECONDS": "3600",
            "SMARTCAR_SIM_SIGNAL_STORE_NEEDS_SUBSCRIPTION": "yes",
            "SMARTCAR_SIM_APP_RATE_LIMIT": "off",
        }
    )

    assert config.v2_retired == "version"
    assert config.signal_refresh_seconds == 3600
    assert config.signal_store_needs_subscription is True
    assert config.app_rate_limit is None
    assert (
        SimulatorConfig.from_env(
            {"SMARTCAR_SIM_SIGNAL_REFRESH_SECONDS": "live"}
        ).signal_refresh_seconds
        is None
    )


def test_an_unknown_variant_is_refused() -> None:
    with pytest.raises(ValueError, match="iam_credentials"):
        SimulatorConfig(iam_credentials="carrier-pigeon")


# The state file.


async def _serve(sim: Simulator, aiohttp_client: Any) -> Client:
    served: Client = await aiohttp_client(create_app(sim))
    return served


async def test_state_survives_a_restart(
    tmp_path: Path, clock: ManualClock, aiohttp_client: Any
) -> None:
    state_file = tmp_path / ".dev" / "simulator.json"
    config = SimulatorConfig(state_file=str(state_file), app_rate_limit=120)
    first = await _serve(Simulator(config, clock=clock), aiohttp_client)
    tokens = await connect(first)
    app_token = await application_token(first)
    code = await approve(first)
    await first.patch(f"/sim/vehicles/{TESLA_ID}", json={"odometer_km": 20000})
    await first.post("/sim/clock", json={"advance": 60})
    await first.post(
        "/sim/webhooks", json={"webhook_id": "w", "url": "https://h.example/hook"}
    )
    await first.post(
        "/v3/subscriptions",
        json={
            "data": {
                "attributes": {
                    "webhookId": "w",
                    "userId": "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a",
                    "vehicleId": TESLA_ID,
                }
            }
        },
        headers=v3_headers(app_token, None),
    )
    await first.get(f"/v3/vehicles/{TESLA_ID}/signals", headers=v3_headers(app_token))
    ledger_before = await (await first.get("/sim/ledger")).json()
    await first.close()

    restarted = Simulator(config, clock=clock)
    second = await _serve(restarted, aiohttp_client)
    reads = await second.get(
        f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=bearer(tokens.access_token)
    )
    refreshed = await second.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
        headers={"Authorization": basic()},
    )
    exchanged = await exchange(second, code)
    v3 = await second.get(
        f"/v3/vehicles/{TESLA_ID}/signals", headers=v3_headers(app_token)
    )
    ledger_after = await (await second.get("/sim/ledger")).json()

    assert reads.status == 200
    assert (await reads.json())["distance"] == 20000
    assert refreshed.status == 200
    assert exchanged.access_token
    assert v3.status == 200
    assert restarted.clock_offset == 60
    assert restarted.webhooks.is_subscribed(TESLA_ID)
    assert ledger_after["vehicles"][TESLA_ID]["billed"] == (
        ledger_before["vehicles"][TESLA_ID]["billed"] + 2
    )
    assert [p.name for p in state_file.parent.iterdir()] == ["simulator.json"]


async def test_reset_is_written_through(
    tmp_path: Path, clock: ManualClock, aiohttp_client: Any
) -> None:
    state_file = tmp_path / "state.json"
    config = SimulatorConfig(state_file=str(state_file))
    first = await _serve(Simulator(config, clock=clock), aiohttp_client)
    tokens = await connect(first)
    await first.post("/sim/reset")
    await first.close()

    second = await _serve(Simulator(config, clock=clock), aiohttp_client)
    answer = await second.get("/v2.0/vehicles", headers=bearer(tokens.access_token))

    assert answer.status == 401


def test_another_format_is_refused(tmp_path: Path) -> None:
    state_file = tmp_path / "state.json"
    state_file.write_text('{"version": 99}')

    with pytest.raises(ValueError, match="format"):
        create_app(SimulatorConfig(state_file=str(state_file)))


def test_no_state_file_means_memory_only(tmp_path: Path) -> None:
    app = create_app(SimulatorConfig(state_file=str(tmp_path / "missing.json")))

    assert isinstance(app, web.Application)
    assert not (tmp_path / "missing.json").exists()
