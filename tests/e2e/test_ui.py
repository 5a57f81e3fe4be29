"""The config flow through Home Assistant's web UI, in headless Chromium.

The simulator and a real `hass` with its frontend run as their own processes; the owner, the
application credentials and the confirmation of the HTTP settings go through the API, as
`scripts/develop` does them. Then Chromium, driven by Playwright, does what a person does: logs in
on Home Assistant's login page, goes Settings -> Devices & services -> Add integration ->
Smartcar, submits the permissions form, approves on the simulator's Connect page (which Home
Assistant opens in a new tab), finishes the dialog and opens the Tesla's device page through the
integration's device list. A screenshot of that page is saved in the test's tmp_path and copied to
`e2e-artifacts/device-page.png` at the repository root; a failing run leaves
`e2e-artifacts/failure.png` there instead.

The browser is Debian's chromium (scripts/_env.sh installs it into the Debian root), never one
downloaded by Playwright.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
import os
from pathlib import Path
import re
import shutil

import aiohttp
from playwright.async_api import BrowserContext, Page, async_playwright, expect
import pytest

from simulator import devstack

pytestmark = pytest.mark.timeout(300)

CHROMIUM = (
    os.environ.get("SMARTCAR_CHROMIUM")
    or shutil.which("chromium")
    or "/usr/bin/chromium"
)
HAVE_CHROMIUM = Path(CHROMIUM).exists()
# Headless, as root, with loopback as the only network: no sandbox, nothing in the background.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = devstack.PROJECT_ROOT / "e2e-artifacts"
USERNAME, PASSWORD = "owner", "owner-password"
# The longest any one UI step may take; each takes a second or two when things work.
STEP_TIMEOUT_MS = 30_000


@dataclass
class UIStack:
    url: str
    api: devstack.HomeAssistantAPI
    home_assistant: devstack.Process


@pytest.fixture
async def ui_stack(tmp_path: Path) -> AsyncIterator[UIStack]:
    """The simulator and `hass` with its web UI, an owner, and the simulator's credentials."""
    simulator_port, port = devstack.free_port(), devstack.free_port()
    simulator_url, url = (
        f"http://127.0.0.1:{simulator_port}",
        f"http://127.0.0.1:{port}",
    )
    config_dir = tmp_path / "config"
    devstack.write_config(config_dir, port, with_ui=True)
    simulator = devstack.start_simulator(simulator_port, tmp_path / "simulator.log")
    home_assistant: devstack.Process | None = None
    try:
        async with aiohttp.ClientSession() as session:
            await devstack.wait_until_up(
                session, f"{simulator_url}/sim/ledger", simulator, 30
            )
            home_assistant = devstack.start_home_assistant(
                config_dir, simulator_url, tmp_path / "hass.log"
            )
            await devstack.wait_until_up(
                session, f"{url}/api/onboarding", home_assistant, 180
            )
            api = await devstack.onboard_or_login(session, url, USERNAME, PASSWORD)
            await devstack.wait_until_running(api)
            await devstack.confirm_http_config(api)
            # No application credentials: the owner adds them in the UI, first thing.
            yield UIStack(url, api, home_assistant)
    finally:
        if home_assistant is not None:
            home_assistant.stop()
        simulator.stop()


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """Debian's headless Chromium with a new profile."""
    # No skip: a missing browser is a broken environment (scripts/bootstrap installs Debian's
    # chromium into its root; with a native Python 3.14, install chromium yourself).
    assert HAVE_CHROMIUM, (
        f"no Chromium at {CHROMIUM}: install Debian's `chromium` package"
    )
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 1000},
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        expect.set_options(timeout=STEP_TIMEOUT_MS)
        try:
            yield context
        finally:
            await context.close()


async def test_owner_adds_smartcar_in_the_ui_and_opens_the_car_device_page(
    ui_stack: UIStack, browser: BrowserContext, tmp_path: Path
) -> None:
    page = browser.pages[0] if browser.pages else await browser.new_page()
    try:
        await _add_smartcar_and_open_the_tesla(page, ui_stack.url)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=ARTIFACTS / "failure.png")
        print(f"Home Assistant's log:\n{ui_stack.home_assistant.log_tail()}")  # noqa: T201
        raise

    # The page of the device the integration made for the simulator's Tesla, with its entities.
    await expect(page.get_by_text("Model 3 (2023)")).to_be_visible()
    await expect(page.get_by_text("by Tesla")).to_be_visible()
    await expect(page.get_by_text("Battery", exact=True)).to_be_visible()
    await expect(page.get_by_text("Lock", exact=True)).to_be_visible()
    screenshot = tmp_path / "device-page.png"
    await page.screenshot(path=screenshot)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "device-page.png")

    # What the UI showed is what Home Assistant has: one loaded entry, the Tesla among its devices.
    entries = await ui_stack.api.get("/api/config/config_entries/entry?domain=smartcar")
    assert [entry["state"] for entry in entries] == ["loaded"], devstack.dump(entries)
    device_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    devices = await ui_stack.api.websocket_command(
        {"type": "config/device_registry/list"}
    )
    device = next(device for device in devices if device["id"] == device_id)
    assert device["config_entries"] == [entries[0]["entry_id"]]
    assert (device["manufacturer"], device["model"]) == ("Tesla", "Model 3 (2023)")
    # The unticked permission stayed unticked all the way.
    diagnostics = await ui_stack.api.get(
        f"/api/diagnostics/config_entry/{entries[0]['entry_id']}"
    )
    permissions = diagnostics["data"]["entry"]["data"]["permissions"]
    assert "battery" in permissions
    assert "fuel" not in permissions
    entities = await ui_stack.api.websocket_command(
        {"type": "config/entity_registry/list"}
    )
    names = [
        entity["name"] or entity["original_name"]
        for entity in entities
        if entity["device_id"] == device_id
    ]
    assert names
    assert len(names) == len(set(names)), names


async def _add_smartcar_and_open_the_tesla(page: Page, url: str) -> None:
    # Home Assistant's login page.
    await page.goto(url)
    await page.wait_for_url(re.compile(r"/auth/authorize\?"))
    await page.get_by_role("textbox", name="Username").fill(USERNAME)
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(
        lambda address: "/auth/" not in address and "auth_callback" not in address
    )

    # Settings -> Devices & services -> Add integration -> Smartcar.
    await page.get_by_role("link", name="Settings").click()
    await page.get_by_role("link", name=re.compile("Devices & services")).click()
    await page.wait_for_url(re.compile(r"/config/integrations"))
    await page.get_by_role("button", name="Add integration").click()
    await page.get_by_placeholder("Search for a brand name").fill("Smartcar")
    await page.get_by_role("button", name="Smartcar").click()

    # No credentials yet: Home Assistant asks for them before anything else is chosen.
    await expect(page.get_by_text("Add application credentials")).to_be_visible()
    await page.get_by_role("textbox", name="Name").fill("Smartcar simulator")
    await page.get_by_role("textbox", name="OAuth Client ID").fill(
        devstack.DEFAULT_CLIENT_ID
    )
    await page.get_by_role("textbox", name="OAuth Client Secret").fill(
        devstack.DEFAULT_CLIENT_SECRET
    )
    await page.get_by_role("button", name=re.compile("^(Add|Create)$")).click()

    # Then the permissions form; the owner unticks Fuel. Submit opens Smartcar Connect (the
    # simulator) in a new tab, which asks for what is still ticked only.
    await expect(page.get_by_text("Connect your cars with Smartcar")).to_be_visible()
    # The drawn check mark lies over the input: click it as a person does.
    await page.get_by_role("checkbox", name="Fuel", exact=True).uncheck(force=True)
    async with page.context.expect_page() as new_tab:
        await page.get_by_role("button", name="Submit").click()
    connect = await new_tab.value
    assert "read_fuel" not in connect.url
    assert "read_battery" in connect.url
    await expect(connect.get_by_text("TESLA Model 3 2023")).to_be_visible()
    # Approve: Connect redirects the tab to Home Assistant's callback, which closes it.
    async with connect.expect_event("close"):
        await connect.get_by_role("button", name="Approve").click()

    # The flow ends with the cars to name and place; keep the names.
    await expect(page.get_by_text("Successfully authenticated.")).to_be_visible()
    await expect(page.get_by_text("Model 3 (2023)")).to_be_visible()
    await page.get_by_role("button", name=re.compile("finish", re.IGNORECASE)).click()

    # The integration's card -> its devices -> the Tesla. The cars' first reads run in the
    # background after the setup, so the card may count the devices made so far.
    await page.get_by_role("link", name=re.compile(r"^[1-3] devices?$")).click()
    await page.wait_for_url(re.compile(r"/config/devices/dashboard"))
    await page.get_by_text("Tesla Model 3", exact=True).click()
    await page.wait_for_url(re.compile(r"/config/devices/device/"))
    await expect(page.get_by_text("Device info")).to_be_visible()
