"""`scripts/develop` as a newcomer runs it: Home Assistant with its UI, ready to add Smartcar."""

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
from typing import Any

import aiohttp
import pytest

from simulator import devstack

from ._stack import Stack, connect_smartcar, entry_state

pytestmark = pytest.mark.timeout(400)


def _develop(config_dir: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SMARTCAR_DEV_CONFIG": str(config_dir),
        "SMARTCAR_DEV_PORT": str(devstack.free_port()),
        "SMARTCAR_SIM_PORT": str(devstack.free_port()),
        "PYTHONPATH": str(devstack.PROJECT_ROOT),
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and options
        [sys.executable, "-m", "simulator.devstack", "--check", *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=360,
        check=False,
    )


def test_develop_prepares_home_assistant_with_credentials_and_login_twice(
    tmp_path: Path,
) -> None:
    config_dir = tmp_path / "dev" / "config"

    first = _develop(config_dir)

    assert first.returncode == 0, first.stdout + first.stderr
    assert (
        "Home Assistant with the Smartcar integration:  http://127.0.0.1:"
        in first.stdout
    )
    assert f"log in as {devstack.DEV_USERNAME!r}" in first.stdout
    configuration = (config_dir / "configuration.yaml").read_text()
    for part in ("frontend:", "recorder:", "history:", "logbook:", "energy:"):
        assert part in configuration
    # `my:` would send the OAuth redirect to my.home-assistant.io (offline: nowhere).
    assert "my:" not in configuration
    assert "application_credentials:" in configuration
    link = config_dir / "custom_components" / "smartcar"
    assert link.resolve() == devstack.PROJECT_ROOT / "custom_components" / "smartcar"
    stored = json.loads(
        (config_dir / ".storage" / "application_credentials").read_text()
    )
    assert [
        (item["domain"], item["client_id"]) for item in stored["data"]["items"]
    ] == [("smartcar", "sim-client-id")]

    # A second start reuses the config: it logs in instead of onboarding, adds nothing twice.
    second = _develop(config_dir)

    assert second.returncode == 0, second.stdout + second.stderr
    stored = json.loads(
        (config_dir / ".storage" / "application_credentials").read_text()
    )
    assert len(stored["data"]["items"]) == 1


class _Develop:
    """`scripts/develop` running (not --check), its output in a file."""

    def __init__(
        self, config_dir: Path, port: int, simulator_port: int, run: int
    ) -> None:
        self.output = config_dir.parent / f"develop-{run}.out"
        self.output.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "SMARTCAR_DEV_CONFIG": str(config_dir),
            "SMARTCAR_DEV_PORT": str(port),
            "SMARTCAR_SIM_PORT": str(simulator_port),
            "PYTHONPATH": str(devstack.PROJECT_ROOT),
        }
        with self.output.open("wb") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "simulator.devstack"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.process = devstack.Process(self.popen, self.output)

    async def ready(self) -> None:
        """Wait for the banner (everything is up)."""

        async def up() -> bool:
            if self.popen.poll() is not None:
                raise AssertionError(self.process.log_tail())
            return "Ctrl-C stops both" in self.output.read_text(errors="replace")

        await devstack.wait_for(up, True, within=300, log=self.process)

    def stop(self) -> None:
        """Ctrl-C, as a person stops it; both children end with it."""
        self.popen.send_signal(signal.SIGINT)
        assert self.popen.wait(60) == 0, self.process.log_tail()


async def _loaded(api: devstack.HomeAssistantAPI) -> str:
    return await entry_state(api)


async def _odometers(api: devstack.HomeAssistantAPI) -> list[dict[str, Any]]:
    return [
        state
        for state in await api.get("/api/states")
        if state["entity_id"].startswith("sensor.")
        and state["attributes"].get("device_class") == "distance"
        and state["attributes"].get("state_class") == "total_increasing"
    ]


async def test_develop_twice_keeps_the_entry_entities_and_odometer_statistics(
    tmp_path: Path,
) -> None:
    config_dir = tmp_path / "dev" / "config"
    port, simulator_port = devstack.free_port(), devstack.free_port()
    url = f"http://127.0.0.1:{port}"
    simulator_url = f"http://127.0.0.1:{simulator_port}"
    async with aiohttp.ClientSession() as session:
        first = _Develop(config_dir, port, simulator_port, 1)
        try:
            await first.ready()
            api = await devstack.onboard_or_login(
                session, url, devstack.DEV_USERNAME, devstack.DEV_PASSWORD
            )
            stack = Stack(
                session, first.process, simulator_url, config_dir, url, tmp_path / "dev"
            )
            await connect_smartcar(stack, api)
            assert len(await _odometers(api)) == 3
        finally:
            first.stop()
        assert (tmp_path / "dev" / "simulator.json").exists()

        second = _Develop(config_dir, port, simulator_port, 2)
        try:
            await second.ready()
            api = await devstack.onboard_or_login(
                session, url, devstack.DEV_USERNAME, devstack.DEV_PASSWORD
            )
            await devstack.wait_for(
                lambda: _loaded(api), "loaded", within=120, log=second.process
            )
            flows = await api.websocket_command(
                {"type": "config_entries/flow/progress"}
            )
            odometers = await _odometers(api)
            statistics = await api.websocket_command(
                {"type": "recorder/list_statistic_ids", "statistic_type": "sum"}
            )
        finally:
            second.stop()

    assert [f for f in flows if f.get("context", {}).get("source") == "reauth"] == []
    assert len(odometers) == 3
    assert all(s["state"] not in {"unavailable", "unknown"} for s in odometers)
    listed = {item["statistic_id"] for item in statistics}
    assert {s["entity_id"] for s in odometers} <= listed


def test_develop_reset_wipes_both_states(tmp_path: Path) -> None:
    config_dir = tmp_path / "dev" / "config"
    (config_dir / ".storage").mkdir(parents=True)
    (config_dir / ".storage" / "core.config_entries").write_text("{}")
    state = devstack.simulator_state_file(config_dir)
    state.write_text("{}")

    devstack.reset(config_dir)

    assert not config_dir.exists()
    assert not state.exists()


def test_develop_help_documents_ports_reset_and_applications() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator.devstack", "--help"],
        env={**os.environ, "PYTHONPATH": str(devstack.PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    for text in (
        "SMARTCAR_DEV_PORT",
        "SMARTCAR_SIM_PORT",
        "SMARTCAR_DEV_CONFIG",
        "--reset",
        "--application",
        "client_sim-api-client",
    ):
        assert text in result.stdout


def test_develop_reset_then_a_v3_application(tmp_path: Path) -> None:
    config_dir = tmp_path / "dev" / "config"
    first = _develop(config_dir)
    assert first.returncode == 0, first.stdout + first.stderr

    v3 = _develop(config_dir, "--reset", "--application", "v3")

    assert v3.returncode == 0, v3.stdout + v3.stderr
    assert "Reset: removed" in v3.stdout
    assert "Smartcar simulator (v3 application)" in v3.stdout
    assert "client_sim-api-client / sec_sim-api-secret" in v3.stdout
    simulator_log = (tmp_path / "dev" / "simulator.log").read_text()
    assert simulator_log.count("# V3 API credentials") == 2
