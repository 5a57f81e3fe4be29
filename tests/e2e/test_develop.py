"""`scripts/develop` as a newcomer runs it: Home Assistant with its UI, ready to add Smartcar."""

import json
import os
from pathlib import Path
import subprocess
import sys

import pytest

from simulator import devstack

pytestmark = pytest.mark.timeout(400)


def _develop(config_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SMARTCAR_DEV_CONFIG": str(config_dir),
        "SMARTCAR_DEV_PORT": str(devstack.free_port()),
        "SMARTCAR_SIM_PORT": str(devstack.free_port()),
        "PYTHONPATH": str(devstack.PROJECT_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "simulator.devstack", "--check"],
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
    assert "frontend:" in configuration
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
