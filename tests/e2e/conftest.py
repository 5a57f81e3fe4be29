"""End-to-end fixtures: real processes on loopback, no Home Assistant test harness."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_socket

from ._stack import Stack, running_stack


@pytest.fixture
def auto_enable_custom_integrations() -> None:
    """Home Assistant runs as its own process here: skip the repository-wide hass fixture."""


@pytest.fixture(autouse=True)
def loopback_sockets() -> Iterator[None]:
    """pytest-socket blocks sockets; these tests talk to their own processes on 127.0.0.1."""
    pytest_socket.enable_socket()
    yield
    pytest_socket.disable_socket(allow_unix_socket=True)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """The simulator running; Home Assistant configured, started by the test."""
    async with running_stack(tmp_path) as running:
        yield running
