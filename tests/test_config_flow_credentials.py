"""The setup flow without application credentials: they are asked for before anything else."""

from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest

from .conftest import CLIENT_ID, CLIENT_SECRET, DOMAIN


@pytest.mark.usefixtures("current_request_with_host")
async def test_missing_credentials_are_asked_for_before_the_permissions(
    hass: HomeAssistant,
) -> None:
    assert await async_setup_component(hass, "application_credentials", {})

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    # Home Assistant's credentials dialog opens, then restarts the flow: nothing was chosen yet
    # that the restart could lose.
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"

    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET), DOMAIN
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
