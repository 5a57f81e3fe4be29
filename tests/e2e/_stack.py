"""The end-to-end stack: the simulator and a real `hass` as processes, driven over HTTP only.

Shared by the end-to-end tests: the `stack` fixture (conftest.py) yields a `Stack`;
`connect_smartcar` runs the config flow as the UI does, through the simulator's Connect page.
"""

from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import aiohttp

from simulator import devstack


@dataclass
class Stack:
    """The simulator (running) and Home Assistant (started on demand), with one HTTP session."""

    session: aiohttp.ClientSession
    simulator: devstack.Process
    simulator_url: str
    config_dir: Path
    url: str
    logs: Path
    home_assistant: devstack.Process | None = None

    async def start_home_assistant(self) -> devstack.HomeAssistantAPI:
        """Start `hass`, onboard (or log in) the owner, wait until it runs."""
        self.home_assistant = devstack.start_home_assistant(
            self.config_dir, self.simulator_url, self.logs / "hass.log"
        )
        await devstack.wait_until_up(
            self.session, f"{self.url}/api/onboarding", self.home_assistant, 180
        )
        api = await devstack.onboard_or_login(
            self.session, self.url, "owner", "owner-password"
        )
        await devstack.wait_until_running(api)
        return api

    def stop_home_assistant(self) -> None:
        """Stop `hass` cleanly (exit code 0)."""
        assert self.home_assistant is not None
        assert self.home_assistant.stop() == 0, self.home_assistant.log_tail()

    async def sim(
        self, method: str, path: str, payload: dict[str, Any] | None = None
    ) -> Any:
        """Call the simulator's control API; any answer from 300 up fails the test."""
        async with self.session.request(
            method, f"{self.simulator_url}{path}", json=payload
        ) as response:
            assert response.status < 300, await response.text()
            return await response.json()

    def hass_log(self) -> str:
        """The end of Home Assistant's log, for failure messages."""
        return self.home_assistant.log_tail() if self.home_assistant is not None else ""


@contextlib.asynccontextmanager
async def running_stack(
    tmp_path: Path, simulator_arguments: tuple[str, ...] = ()
) -> AsyncIterator[Stack]:
    """The simulator up on a free port, Home Assistant configured (not started) on another."""
    simulator_port, port = devstack.free_port(), devstack.free_port()
    simulator_url, url = (
        f"http://127.0.0.1:{simulator_port}",
        f"http://127.0.0.1:{port}",
    )
    config_dir = tmp_path / "config"
    devstack.write_config(config_dir, port, with_ui=False)
    simulator = devstack.start_simulator(
        simulator_port, tmp_path / "simulator.log", arguments=simulator_arguments
    )
    session = aiohttp.ClientSession()
    stack = Stack(session, simulator, simulator_url, config_dir, url, tmp_path)
    try:
        await devstack.wait_until_up(
            session, f"{simulator_url}/sim/ledger", simulator, 30
        )
        yield stack
    finally:
        if stack.home_assistant is not None:
            stack.home_assistant.stop()
        simulator.stop()
        await session.close()


class _FormFinder(HTMLParser):
    """Collects the forms of the Connect page (action, method, hidden fields, submit buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action") or "",
                    "method": (attributes.get("method") or "get").upper(),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif tag in {"input", "button"} and self.forms:
            form = self.forms[-1]
            name, value = attributes.get("name"), attributes.get("value") or ""
            kind = attributes.get("type") or ("submit" if tag == "button" else "text")
            if kind == "submit":
                form["buttons"].append((name, value))
            elif name:
                form["fields"][name] = value


async def approve_on_connect_page(stack: Stack, authorize_url: str) -> str:
    """Open Connect like a browser, press Approve, return where Connect redirects to."""
    async with stack.session.get(authorize_url) as response:
        assert response.status == 200, await response.text()
        page_url, html = str(response.url), await response.text()
    finder = _FormFinder()
    finder.feed(html)
    for form in finder.forms:
        for name, value in form["buttons"]:
            if "approve" in f"{name} {value}".lower():
                fields = dict(form["fields"])
                if name:
                    fields[name] = value
                target = urljoin(page_url, form["action"] or page_url)
                async with stack.session.request(
                    form["method"],
                    target,
                    data=fields if form["method"] == "POST" else None,
                    params=fields if form["method"] == "GET" else None,
                    allow_redirects=False,
                ) as approved:
                    assert approved.status in {302, 303}, await approved.text()
                    return approved.headers["Location"]
    raise AssertionError(f"no Approve button on the Connect page:\n{html[:2000]}")


async def connect_smartcar(
    stack: Stack, api: devstack.HomeAssistantAPI
) -> dict[str, Any]:
    """Add the Smartcar entry as the UI does: permissions form, Connect, approve; return it."""
    await devstack.add_application_credentials(api)
    flow = await api.post(
        "/api/config/config_entries/flow",
        {"handler": "smartcar", "show_advanced_options": False},
    )
    assert flow["type"] == "form", flow
    flow = await api.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {})
    assert flow["type"] == "external", flow
    authorize = urlparse(flow["url"])
    query = parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}" == stack.simulator_url
    assert query["client_id"] == ["sim-client-id"]
    assert "control_security" in query["scope"][0].split()

    callback = await approve_on_connect_page(stack, flow["url"])
    assert callback.startswith(f"{stack.url}/auth/external/callback?"), callback
    assert "code=" in callback
    async with stack.session.get(callback) as response:
        assert response.status == 200
    result = await api.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {})
    assert result["type"] == "create_entry", result

    entries = await api.get("/api/config/config_entries/entry?domain=smartcar")
    assert [entry["state"] for entry in entries] == ["loaded"]
    entry: dict[str, Any] = entries[0]
    # The cars' first polls run after the setup: wait until each car has its refresh button.
    fleet = (await stack.sim("GET", "/sim/vehicles"))["vehicles"]

    async def cars_with_entities() -> int:
        entities = await api.websocket_command({"type": "config/entity_registry/list"})
        return sum(
            entity["platform"] == "smartcar"
            and entity["unique_id"].endswith("_refresh")
            for entity in entities
        )

    await devstack.wait_for(
        cars_with_entities, len(fleet), within=60, log=stack.home_assistant
    )
    return entry


async def states_by_domain(
    api: devstack.HomeAssistantAPI,
) -> dict[str, list[dict[str, Any]]]:
    """Every entity state, grouped by domain."""
    states: dict[str, list[dict[str, Any]]] = {}
    for state in await api.get("/api/states"):
        states.setdefault(state["entity_id"].split(".")[0], []).append(state)
    return states


async def entry_state(api: devstack.HomeAssistantAPI) -> str:
    """The state of the (only) Smartcar entry."""
    entries = await api.get("/api/config/config_entries/entry?domain=smartcar")
    return str(entries[0]["state"])


async def v3_ledger_problems(stack: Stack) -> list[dict[str, Any]]:
    """Requests a V3 integration should not have made: any v2 call, and any vehicle call
    without the application token or without `sc-user-id` (empty list = all good)."""
    ledger = await stack.sim("GET", "/sim/ledger?entries=true")
    return [
        entry
        for entry in ledger["entries"]
        if entry["generation"] == "v2"
        or (
            entry["vehicle_id"] is not None
            and not (entry["app_token"] and entry["sc_user_id"])
        )
    ]
