"""A real Home Assistant wired to the simulator, for `scripts/develop` and the end-to-end tests.

Nothing here is mocked: the simulator and Home Assistant run as their own processes and talk
HTTP. This module writes a Home Assistant configuration that loads the integration from this
repository, points every Smartcar origin at the simulator, onboards an owner through Home
Assistant's API and adds the simulator's client id and secret as application credentials: the
steps a person would do in the UI.
"""

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Mapping
import contextlib
from dataclasses import dataclass
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import aiohttp

from .config import (
    DEFAULT_API_CLIENT_ID,
    DEFAULT_API_CLIENT_SECRET,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_MANAGEMENT_TOKEN,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ORIGIN_VARIABLES = (
    "SMARTCAR_API_ORIGIN",
    "SMARTCAR_API_V3_ORIGIN",
    "SMARTCAR_AUTH_ORIGIN",
    "SMARTCAR_CONNECT_ORIGIN",
    "SMARTCAR_MANAGEMENT_API_ORIGIN",
    # V3: the application token and the v3 Management API.
    "SMARTCAR_IAM_ORIGIN",
    "SMARTCAR_MANAGEMENT_API_V3_ORIGIN",
)
CONFIGURATION_YAML = """\
# Written by simulator/devstack.py for a Home Assistant that talks to the Smartcar simulator.
homeassistant:
  name: Smartcar development
  time_zone: UTC
  latitude: 52.52
  longitude: 13.405
  elevation: 34
  unit_system: metric
  country: DE
  currency: EUR
  language: en
  internal_url: "{url}"
http:
  server_host: 127.0.0.1
  server_port: {port}
{ui}application_credentials:
logger:
  default: warning
  logs:
    custom_components.smartcar: debug
"""
# The web UI for people (scripts/develop): what `default_config:` brings that works here, so
# recorder, history, logbook and energy work; the end-to-end tests drive the same APIs without
# them. Not `default_config:` itself: its `my` makes every OAuth redirect go through
# my.home-assistant.io (unreachable offline, and not this machine), and bluetooth, dhcp, ssdp,
# stream, usb and go2rtc cannot load without their packages (--skip-pip).
DEFAULT_CONFIG_PARTS = (
    "frontend",
    "config",
    "recorder",
    "history",
    "logbook",
    "energy",
    "assist_pipeline",
    "conversation",
    "media_source",
    "mobile_app",
    "sun",
    "webhook",
)
UI_COMPONENTS = "".join(f"{part}:\n" for part in DEFAULT_CONFIG_PARTS)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def origins_environment(simulator_url: str) -> dict[str, str]:
    """Every Smartcar origin variable pointed at the simulator (it serves them all on one port)."""
    return dict.fromkeys(ORIGIN_VARIABLES, simulator_url)


def write_config(config_dir: Path, port: int, *, with_ui: bool) -> None:
    """Create a Home Assistant configuration that loads this repository's integration."""
    config_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION_YAML.format(
            url=url, port=port, ui=UI_COMPONENTS if with_ui else ""
        )
    )
    # Home Assistant moves `http:` from YAML into .storage/http on first start and then ignores the
    # YAML; drop the stored copy so a changed port takes effect (it holds nothing else of ours).
    (config_dir / ".storage" / "http").unlink(missing_ok=True)
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "smartcar"
    if link.is_symlink() or link.exists():
        if (
            link.is_symlink()
            and link.resolve() == PROJECT_ROOT / "custom_components" / "smartcar"
        ):
            return
        if link.is_symlink():
            link.unlink()
        else:
            shutil.rmtree(link)
    link.symlink_to(
        PROJECT_ROOT / "custom_components" / "smartcar", target_is_directory=True
    )


@dataclass
class Process:
    """A child process with its log file."""

    popen: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, then SIGKILL if it does not end in time; returns the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode

    def log_tail(self, lines: int = 60) -> str:
        """The end of the process's log, for failure messages."""
        text = (
            self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        )
        return "\n".join(text.splitlines()[-lines:])


def _spawn(command: list[str], log_path: Path, env: Mapping[str, str]) -> Process:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **env}
        )
    return Process(popen, log_path)


def start_simulator(
    port: int,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    arguments: tuple[str, ...] = (),
) -> Process:
    """`python -m simulator` on 127.0.0.1:port (extra command-line `arguments`)."""
    command = [
        sys.executable,
        "-m",
        "simulator",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *arguments,
    ]
    return _spawn(command, log_path, {"PYTHONPATH": str(PROJECT_ROOT), **(env or {})})


def start_home_assistant(
    config_dir: Path, simulator_url: str, log_path: Path
) -> Process:
    """A real `hass` for config_dir, with the Smartcar origins pointed at the simulator.

    `--skip-pip`: the integration needs nothing beyond Home Assistant, and a few built-in
    integrations would otherwise try (and fail, without a compiler) to build packages.
    """
    hass = Path(sys.executable).with_name("hass")
    command = [str(hass), "--config", str(config_dir), "--skip-pip"]
    return _spawn(command, log_path, origins_environment(simulator_url))


async def wait_until_up(
    session: aiohttp.ClientSession, url: str, process: Process, within: float = 120
) -> None:
    """Poll url until it answers below 500, or fail with the process's log."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{url}: the process ended\n{process.log_tail()}")
        try:
            async with session.get(url) as response:
                if response.status < 500:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.25)
    raise TimeoutError(f"{url} did not come up in {within} s\n{process.log_tail()}")


async def wait_for[T](
    probe: Callable[[], Awaitable[T]],
    expected: T,
    *,
    within: float,
    log: Process | None = None,
) -> None:
    """Call probe until it returns expected, or fail after `within` s (with the log, if given)."""
    deadline = time.monotonic() + within
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last == expected:
            return
        await asyncio.sleep(0.5)
    tail = log.log_tail() if log is not None else ""
    raise TimeoutError(f"expected {expected!r}, last saw {last!r}\n{tail}")


@dataclass(frozen=True)
class HomeAssistantAPI:
    """A logged-in client of Home Assistant's REST and WebSocket APIs."""

    session: aiohttp.ClientSession
    url: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        """Bearer token plus the header that tells Home Assistant its own URL (OAuth redirect)."""
        return {
            "Authorization": f"Bearer {self.access_token}",
            "HA-Frontend-Base": self.url,
        }

    async def get(self, path: str) -> Any:
        """GET a JSON resource."""
        async with self.session.get(self.url + path, headers=self.headers) as response:
            response.raise_for_status()
            return await response.json()

    async def post(self, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        """POST JSON, return the JSON answer."""
        async with self.session.post(
            self.url + path, json=dict(payload or {}), headers=self.headers
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def websocket_command(self, command: Mapping[str, Any]) -> Any:
        """Send one WebSocket command and return its result (raises on an error result)."""
        async with self.session.ws_connect(self.url + "/api/websocket") as socket_:
            await socket_.receive_json()  # auth_required
            await socket_.send_json({"type": "auth", "access_token": self.access_token})
            auth = await socket_.receive_json()
            if auth.get("type") != "auth_ok":
                raise RuntimeError(f"websocket auth failed: {auth.get('type')}")
            await socket_.send_json({"id": 1, **command})
            while True:
                message = await socket_.receive_json()
                if message.get("id") == 1 and message.get("type") == "result":
                    if not message.get("success"):
                        raise RuntimeError(
                            f"websocket command failed: {message.get('error')}"
                        )
                    return message.get("result")


async def _token_from_code(session: aiohttp.ClientSession, url: str, code: str) -> str:
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": code, "client_id": f"{url}/"},
    ) as response:
        response.raise_for_status()
        token: str = (await response.json())["access_token"]
        return token


async def onboard_or_login(
    session: aiohttp.ClientSession, url: str, username: str, password: str
) -> HomeAssistantAPI:
    """Create the owner on a new Home Assistant (onboarding), or log in on a known one."""
    client_id = f"{url}/"
    async with session.get(f"{url}/api/onboarding") as response:
        steps = await response.json() if response.status == 200 else []
    user_step_done = (
        any(step["step"] == "user" and step["done"] for step in steps) or not steps
    )
    if not user_step_done:
        async with session.post(
            f"{url}/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Developer",
                "username": username,
                "password": password,
                "language": "en",
            },
        ) as response:
            response.raise_for_status()
            code = (await response.json())["auth_code"]
        api = HomeAssistantAPI(session, url, await _token_from_code(session, url, code))
        await _finish_onboarding(api, steps)
        return api
    # Log in through the login flow, as the UI does.
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    ) as response:
        flow = await response.json()
    async with session.post(
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": username, "password": password},
    ) as response:
        result = await response.json()
    if result.get("type") != "create_entry":
        raise RuntimeError(f"login failed: {result.get('errors')}")
    api = HomeAssistantAPI(
        session, url, await _token_from_code(session, url, result["result"])
    )
    await _finish_onboarding(api, steps)
    return api


async def _finish_onboarding(
    api: HomeAssistantAPI, steps: list[dict[str, Any]]
) -> None:
    """Do the onboarding steps still open, so the UI opens on the dashboard, not the wizard."""
    payloads: dict[str, dict[str, Any]] = {
        "core_config": {},
        "analytics": {"preferences": {}},
        # The last step: without it the UI shows the wizard's integrations page after login.
        "integration": {
            "client_id": f"{api.url}/",
            "redirect_uri": f"{api.url}/?auth_callback=1",
        },
    }
    for step in steps:
        if step["done"] or step["step"] not in payloads:
            continue
        # Done meanwhile, or refused by this version: the owner can log in either way.
        with contextlib.suppress(aiohttp.ClientResponseError):
            await api.post(f"/api/onboarding/{step['step']}", payloads[step["step"]])


async def wait_until_running(api: HomeAssistantAPI, within: float = 120) -> None:
    """Wait until Home Assistant has set up everything (its HTTP API answers earlier)."""

    async def state() -> str:
        return str((await api.get("/api/config")).get("state"))

    await wait_for(state, "RUNNING", within=within)


async def add_application_credentials(
    api: HomeAssistantAPI,
    client_id: str = DEFAULT_CLIENT_ID,
    client_secret: str = DEFAULT_CLIENT_SECRET,
) -> None:
    """Add the simulator's credentials for `smartcar`, unless they are there already."""
    existing = await api.websocket_command({"type": "application_credentials/list"})
    if any(
        item["domain"] == "smartcar" and item["client_id"] == client_id
        for item in existing
    ):
        return
    await api.websocket_command(
        {
            "type": "application_credentials/create",
            "domain": "smartcar",
            "client_id": client_id,
            "client_secret": client_secret,
            "name": "Smartcar simulator",
        }
    )


async def confirm_http_config(api: HomeAssistantAPI) -> None:
    """Keep the `http:` settings just moved from YAML to storage, as the UI's Confirm button does.

    Home Assistant tries settings moved from YAML for five minutes; unconfirmed, it then restarts
    with its previous ones (here its defaults, not our port). Meanwhile the UI asks to confirm.
    """
    # Nothing pending (the settings did not change since the last start): nothing to confirm.
    with contextlib.suppress(RuntimeError):
        await api.websocket_command({"type": "http/config/promote"})


def dump(data: object) -> str:
    """Readable JSON for messages."""
    return json.dumps(data, indent=2, default=str)


DEV_USERNAME = "dev"
DEV_PASSWORD = "dev-password"  # a local development instance on 127.0.0.1 only


APPLICATIONS = ("legacy", "v3")


def simulator_state_file(config_dir: Path) -> Path:
    """Where `scripts/develop` keeps the simulator's state: beside the Home Assistant config."""
    return config_dir.parent / "simulator.json"


def reset(config_dir: Path) -> None:
    """Forget everything: the simulator's state and Home Assistant's (entries, tokens, billing
    blocks, history), so the next start is a first start."""
    simulator_state_file(config_dir).unlink(missing_ok=True)
    if config_dir.exists():
        shutil.rmtree(config_dir)


async def _develop(
    config_dir: Path,
    port: int,
    simulator_port: int,
    *,
    check: bool,
    application: str = "legacy",
) -> None:
    simulator_url = f"http://127.0.0.1:{simulator_port}"
    url = f"http://127.0.0.1:{port}"
    logs = config_dir.parent
    write_config(config_dir, port, with_ui=True)
    arguments = ("--state-file", str(simulator_state_file(config_dir)))
    if application == "v3":
        arguments += ("--v3",)
    simulator = start_simulator(
        simulator_port, logs / "simulator.log", arguments=arguments
    )
    home_assistant: Process | None = None
    try:
        async with aiohttp.ClientSession() as session:
            await wait_until_up(session, f"{simulator_url}/sim/ledger", simulator, 30)
            home_assistant = start_home_assistant(
                config_dir, simulator_url, logs / "hass.log"
            )
            print(f"Starting Home Assistant (log: {logs / 'hass.log'}) ...", flush=True)
            await wait_until_up(session, f"{url}/api/onboarding", home_assistant, 300)
            api = await onboard_or_login(session, url, DEV_USERNAME, DEV_PASSWORD)
            await wait_until_running(api)
            await confirm_http_config(api)
            await add_application_credentials(api)
        print(
            f"""
Home Assistant with the Smartcar integration:  {url}
  log in as {DEV_USERNAME!r} / {DEV_PASSWORD!r}
  Settings -> Devices & services -> Add integration -> Smartcar,
  choose what to grant, approve on the simulator's Connect page: three cars appear.
Smartcar simulator ({application} application):  {simulator_url}
  Connect client id (Application ID) {DEFAULT_CLIENT_ID}, secret {DEFAULT_CLIENT_SECRET}
  V3 API credentials {DEFAULT_API_CLIENT_ID} / {DEFAULT_API_CLIENT_SECRET}
  management token (webhook signatures) {DEFAULT_MANAGEMENT_TOKEN}
  billed requests per car: {simulator_url}/sim/ledger
Config: {config_dir}   Simulator state: {simulator_state_file(config_dir)}
Logs: {logs}/hass.log, {logs}/simulator.log
Ctrl-C stops both; `scripts/develop --reset` starts from scratch.""",
            flush=True,
        )
        if check:
            return
        # Child processes have no event to await: look once a second whether one ended.
        while home_assistant.popen.poll() is None and simulator.popen.poll() is None:  # noqa: ASYNC110
            await asyncio.sleep(1)
    finally:
        if home_assistant is not None:
            home_assistant.stop()
        simulator.stop()


HELP_EPILOG = """\
ports (environment variables):
  SMARTCAR_DEV_PORT    Home Assistant, default 8123 (http://127.0.0.1:8123)
  SMARTCAR_SIM_PORT    the Smartcar simulator, default 8765 (every Smartcar origin
                       and the control API /sim/...)
  SMARTCAR_DEV_CONFIG  Home Assistant's config directory, default .dev/config; the
                       simulator keeps its state beside it (.dev/simulator.json)

state: a second start continues where the first stopped (cars, tokens, ledger,
Home Assistant's entries and history): no re-authentication. --reset wipes both
the simulator's and Home Assistant's state (incl. a stored billing block).

applications (--application):
  legacy  per-user Connect tokens, Vehicle API v2 (the default)
  v3      the V3 platform (simulator --v3): API credentials client_sim-api-client /
          sec_sim-api-secret for POST /oauth2/token (1 h application token) plus
          sc-user-id; Connect still uses the Application ID sim-client-id
"""


def _stop_on_sigterm() -> None:
    """SIGTERM ends like Ctrl-C, so both children are stopped too."""

    def interrupt(_signal: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> None:
    """`scripts/develop`: the simulator and a real Home Assistant, until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=main.__doc__,
        epilog=HELP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="stop once everything is up (used by the tests)",
    )
    parser.add_argument(
        "--reset",
        action="store_true",
        help="wipe the simulator's and Home Assistant's state first",
    )
    parser.add_argument(
        "--application",
        choices=APPLICATIONS,
        default="legacy",
        help="the kind of Smartcar application to simulate (default legacy)",
    )
    args = parser.parse_args(argv)
    config_dir = Path(
        os.environ.get("SMARTCAR_DEV_CONFIG", PROJECT_ROOT / ".dev" / "config")
    ).resolve()
    port = int(os.environ.get("SMARTCAR_DEV_PORT", "8123"))
    simulator_port = int(os.environ.get("SMARTCAR_SIM_PORT", "8765"))
    if args.reset:
        reset(config_dir)
        print(f"Reset: removed {config_dir} and {simulator_state_file(config_dir)}")
    _stop_on_sigterm()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            _develop(
                config_dir,
                port,
                simulator_port,
                check=args.check,
                application=args.application,
            )
        )


if __name__ == "__main__":
    main()
