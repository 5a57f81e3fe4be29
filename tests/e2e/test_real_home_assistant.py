"""A real `hass` process and the simulator: onboarding, Connect, entities, a command, a restart.

Nothing is mocked. The test drives Home Assistant through the REST and WebSocket APIs its web UI
uses, follows the authorize URL to the simulator's Connect page, approves, and lets the simulator
redirect the browser back to Home Assistant's OAuth callback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlparse

import aiohttp
import pytest

from simulator import devstack

pytestmark = pytest.mark.timeout(300)


@dataclass
class Stack:
    session: aiohttp.ClientSession
    simulator: devstack.Process
    simulator_url: str
    config_dir: Path
    url: str
    logs: Path
    home_assistant: devstack.Process | None = None

    async def start_home_assistant(self) -> devstack.HomeAssistantAPI:
        self.home_assistant = devstack.start_home_assistant(
            self.config_dir, self.simulator_url, self.logs / "hass.log"
        )
        await devstack.wait_until_up(
            self.session, f"{self.url}/api/onboarding", self.home_assistant, 180
        )
        api = await devstack.onboard_or_login(self.session, self.url, "owner", "owner-password")
        await devstack.wait_until_running(api)
        return api

    def stop_home_assistant(self) -> None:
        assert self.home_assistant is not None
        assert self.home_assistant.stop() == 0, self.home_assistant.log_tail()

    async def sim(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        async with self.session.request(
            method, f"{self.simulator_url}{path}", json=payload
        ) as response:
            assert response.status < 300, await response.text()
            return await response.json()


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


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    simulator_port, port = devstack.free_port(), devstack.free_port()
    simulator_url, url = f"http://127.0.0.1:{simulator_port}", f"http://127.0.0.1:{port}"
    config_dir = tmp_path / "config"
    devstack.write_config(config_dir, port, with_ui=False)
    simulator = devstack.start_simulator(simulator_port, tmp_path / "simulator.log")
    session = aiohttp.ClientSession()
    stack = Stack(session, simulator, simulator_url, config_dir, url, tmp_path)
    try:
        await devstack.wait_until_up(session, f"{simulator_url}/sim/ledger", simulator, 30)
        yield stack
    finally:
        if stack.home_assistant is not None:
            stack.home_assistant.stop()
        simulator.stop()
        await session.close()


async def _approve_on_connect_page(stack: Stack, authorize_url: str) -> str:
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


async def _states_by_domain(api: devstack.HomeAssistantAPI) -> dict[str, list[dict[str, Any]]]:
    states: dict[str, list[dict[str, Any]]] = {}
    for state in await api.get("/api/states"):
        states.setdefault(state["entity_id"].split(".")[0], []).append(state)
    return states


async def test_owner_connects_three_cars_locks_one_and_survives_restart_with_expired_token(
    stack: Stack,
) -> None:
    api = await stack.start_home_assistant()
    await devstack.add_application_credentials(api)

    # The config flow, as the UI runs it: the permissions form, then Connect.
    flow = await api.post(
        "/api/config/config_entries/flow", {"handler": "smartcar", "show_advanced_options": False}
    )
    assert flow["type"] == "form", flow
    flow = await api.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {})
    assert flow["type"] == "external", flow
    authorize = urlparse(flow["url"])
    query = parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}" == stack.simulator_url
    assert query["client_id"] == ["sim-client-id"]
    assert "control_security" in query["scope"][0].split()

    callback = await _approve_on_connect_page(stack, flow["url"])
    assert callback.startswith(f"{stack.url}/auth/external/callback?"), callback
    assert "code=" in callback
    async with stack.session.get(callback) as response:
        assert response.status == 200
    result = await api.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {})
    assert result["type"] == "create_entry", result

    entries = await api.get("/api/config/config_entries/entry?domain=smartcar")
    assert [entry["state"] for entry in entries] == ["loaded"]

    # Three cars, each a device with entities.
    devices = await api.websocket_command({"type": "config/device_registry/list"})
    cars = [
        device
        for device in devices
        if any(identifier[0] == "smartcar" for identifier in device["identifiers"])
    ]
    assert len(cars) == 3, devstack.dump(cars)
    states = await _states_by_domain(api)
    assert len(states["lock"]) == 3
    assert len(states["device_tracker"]) == 3
    assert any(state["entity_id"].endswith("battery") for state in states["sensor"])

    # Lock a car through Home Assistant; the simulator's car is locked.
    unlocked = [state for state in states["lock"] if state["state"] == "unlocked"]
    assert unlocked, devstack.dump(states["lock"])
    target = unlocked[0]["entity_id"]
    await api.post("/api/services/lock/lock", {"entity_id": target})
    assert (await api.get(f"/api/states/{target}"))["state"] == "locked"
    fleet = await stack.sim("GET", "/sim/vehicles")
    assert any(car["is_locked"] for car in fleet["vehicles"]), devstack.dump(fleet)

    # The access token expires while Home Assistant is down; after the restart the integration
    # refreshes it (the simulator rotates the refresh token) and keeps working.
    stack.stop_home_assistant()
    tokens_before = await stack.sim("GET", "/sim/tokens")
    await stack.sim("POST", "/sim/tokens/expire")
    api = await stack.start_home_assistant()
    await devstack.wait_for(
        lambda: _entry_state(api), "loaded", within=120, log=stack.home_assistant
    )
    tokens_after = await stack.sim("GET", "/sim/tokens")
    assert tokens_after["refreshes"] > tokens_before["refreshes"]
    states = await _states_by_domain(api)
    assert len(states["lock"]) == 3
    assert all(state["state"] != "unavailable" for state in states["lock"])


async def _entry_state(api: devstack.HomeAssistantAPI) -> str:
    entries = await api.get("/api/config/config_entries/entry?domain=smartcar")
    return str(entries[0]["state"])
