"""``python -m simulator``: options, environment and the printed origins."""

from typing import Any

import pytest

from simulator.__main__ import ORIGIN_VARIABLES, exports, main, parse_args
from simulator.config import SimulatorConfig


def test_defaults() -> None:
    config, host, port = parse_args([], environ={})

    assert (host, port) == ("127.0.0.1", 8765)
    assert config == SimulatorConfig()


def test_options_override_environment() -> None:
    environ = {
        "SMARTCAR_SIM_CLIENT_ID": "env-id",
        "SMARTCAR_SIM_CLIENT_SECRET": "env-secret",
        "SMARTCAR_SIM_REDIRECT_URIS": "https://a.example/cb, https://b.example/cb",
        "SMARTCAR_SIM_ACCESS_TOKEN_LIFETIME": "300",
        "SMARTCAR_SIM_VEHICLE_REQUEST_LIMIT": "none",
        "SMARTCAR_SIM_WEBHOOK_IDS": "",
    }
    config, _, port = parse_args(
        [
            "--port",
            "9000",
            "--client-id",
            "cli-id",
            "--redirect-uri",
            "https://c.example/cb",
            "--management-token",
            "mt",
            "--refresh-token-grace",
            "600",
            "--vehicle-request-limit",
            "500",
        ],
        environ=environ,
    )

    assert port == 9000
    assert config.client_id == "cli-id"
    assert config.client_secret == "env-secret"
    assert config.redirect_uris == ("https://c.example/cb",)
    assert config.management_token == "mt"
    assert config.access_token_lifetime == 300
    assert config.refresh_token_grace == 600
    assert config.vehicle_request_limit == 500


def test_environment_list_and_limit() -> None:
    config = SimulatorConfig.from_env(
        {
            "SMARTCAR_SIM_REDIRECT_URIS": "https://a.example/cb https://b.example/cb",
            "SMARTCAR_SIM_VEHICLE_REQUEST_LIMIT": "42",
        }
    )

    assert config.redirect_uris == ("https://a.example/cb", "https://b.example/cb")
    assert config.vehicle_request_limit == 42


def test_main_prints_the_origins_and_runs_the_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})

    main(["--host", "127.0.0.1", "--port", "8766"], run=fake_run, environ={})

    out = capsys.readouterr().out
    for name in ORIGIN_VARIABLES:
        assert f"export {name}=http://127.0.0.1:8766\n" in out
    assert "sim-client-id" in out
    assert calls[0]["host"] == "127.0.0.1"
    assert calls[0]["port"] == 8766


def test_exports_cover_every_origin_including_the_v3_hosts() -> None:
    lines = exports("localhost", 1).splitlines()

    assert len(lines) == 7
    assert "export SMARTCAR_IAM_ORIGIN=http://localhost:1" in lines
    assert lines[0] == "export SMARTCAR_API_ORIGIN=http://localhost:1"
