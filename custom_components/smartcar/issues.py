"""Repair issues a car raises: billing, an exhausted budget, the carmaker account, v3 access.

Each issue of a car is marked with its config entry, so removing the entry removes them.
"""

from datetime import datetime

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .api.errors import (
    BillingError,
    ConnectedServicesAccountError,
    SmartcarError,
    VersionRetiredError,
)
from .budget import VehicleBudget
from .const import DOMAIN, LOGGER, SMARTCAR_DASHBOARD_URL
from .failures import Failure, needs_login
from .planner import next_period_start

ISSUE_BILLING = "billing_limit"
ISSUE_BUDGET = "request_budget_exhausted"
ISSUE_ACCOUNT = "connected_services_account"
ISSUE_SIGNALS = "signals_unavailable"
ISSUE_V2_RETIRED = "v2_retired"
_VEHICLE_ISSUES = (ISSUE_BILLING, ISSUE_BUDGET, ISSUE_ACCOUNT, ISSUE_SIGNALS)
# Key of the issues' data naming the config entry they belong to.
ISSUE_ENTRY_ID = "entry_id"


def reset_date(now: datetime) -> str:
    """Return the day the next billing period begins (polling resumes then)."""
    return next_period_start(now).date().isoformat()


class VehicleIssues:
    """Raises and clears the repair issues of one car."""

    def __init__(self, hass: HomeAssistant, entry_id: str, vehicle_id: str) -> None:
        """Issues of `vehicle_id`, belonging to the entry `entry_id`."""
        self._hass = hass
        self._entry_id = entry_id
        self._vehicle_id = vehicle_id

    def _id(self, issue: str) -> str:
        return f"{issue}_{self._vehicle_id}"

    @callback
    def _create(
        self,
        issue: str,
        translation_key: str,
        placeholders: dict[str, str],
        *,
        severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
        learn_more_url: str | None = None,
    ) -> None:
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._id(issue),
            data={ISSUE_ENTRY_ID: self._entry_id},
            is_fixable=False,
            severity=severity,
            translation_key=translation_key,
            translation_placeholders=placeholders,
            learn_more_url=learn_more_url,
        )

    @callback
    def delete(self, issue: str) -> None:
        """Clear one issue of the car."""
        ir.async_delete_issue(self._hass, DOMAIN, self._id(issue))

    @callback
    def sync_period(
        self, vehicle: str, now: datetime, *, billing: bool, budget: bool
    ) -> None:
        """Raise or clear the issues that last until the next billing period."""
        placeholders = {
            "vehicle": vehicle,
            "reset": reset_date(now),
            "dashboard_url": SMARTCAR_DASHBOARD_URL,
        }
        for issue, active, severity in (
            (ISSUE_BILLING, billing, ir.IssueSeverity.ERROR),
            (ISSUE_BUDGET, budget and not billing, ir.IssueSeverity.WARNING),
        ):
            if active:
                self._create(
                    issue,
                    issue,
                    placeholders,
                    severity=severity,
                    learn_more_url=SMARTCAR_DASHBOARD_URL,
                )
            else:
                self.delete(issue)

    @callback
    def account(self, vehicle: str, err: ConnectedServicesAccountError) -> None:
        """Tell the owner the carmaker account needs them; link Smartcar's resolution when there is one."""
        url = err.resolution.url if err.resolution is not None else None
        placeholders = {"vehicle": vehicle, "code": err.code or "ACCOUNT_ISSUE"}
        if url is None:
            self._create(ISSUE_ACCOUNT, f"{ISSUE_ACCOUNT}_no_url", placeholders)
            return
        self._create(
            ISSUE_ACCOUNT,
            ISSUE_ACCOUNT,
            {**placeholders, "url": url},
            learn_more_url=url,
        )

    async def async_failed(
        self, vehicle: str, err: Failure, budget: VehicleBudget, now: datetime
    ) -> None:
        """Tell the owner what a failure needs of them (billing, the account, a login)."""
        if isinstance(err, VersionRetiredError):
            async_v2_retired(self._hass, self._entry_id)
        elif isinstance(err, BillingError):
            await self.async_billing_refused(vehicle, budget, now)
        elif isinstance(err, ConnectedServicesAccountError):
            self.account(vehicle, err)
        elif needs_login(err):
            entry = self._hass.config_entries.async_get_entry(self._entry_id)
            if entry is not None:
                entry.async_start_reauth(self._hass)

    async def async_billing_refused(
        self, vehicle: str, budget: VehicleBudget, now: datetime
    ) -> None:
        """Stop polling until the next period, and say why."""
        await budget.async_block(now)
        self.sync_period(vehicle, now, billing=True, budget=False)

    @callback
    def pushed(self, vehicle: str, err: SmartcarError, *, resolved: bool) -> None:
        """Raise or clear what Smartcar pushed as a VEHICLE_ERROR (or its end)."""
        if not isinstance(err, ConnectedServicesAccountError):
            # What the next poll would meet: the car keeps its values.
            LOGGER.debug(
                "Smartcar reports %s for %s%s",
                err.kind or type(err).__name__,
                self._vehicle_id,
                " (resolved)" if resolved else "",
            )
        elif resolved:
            self.delete(ISSUE_ACCOUNT)
        else:
            self.account(vehicle, err)

    @callback
    def sync_signals(self, vehicle: str, reason: str | None) -> None:
        """Tell the owner the car is read with v2 batch because v3 refused it (`reason`).

        v2 batch costs more; the issue goes once v3 reads the car again (`reason` is None).
        """
        if reason is None:
            self.delete(ISSUE_SIGNALS)
            return
        self._create(
            ISSUE_SIGNALS,
            ISSUE_SIGNALS,
            {
                "vehicle": vehicle,
                "reason": reason,
                "dashboard_url": SMARTCAR_DASHBOARD_URL,
            },
            severity=ir.IssueSeverity.WARNING,
            learn_more_url=SMARTCAR_DASHBOARD_URL,
        )

    @callback
    def delete_all(self) -> None:
        """Remove every issue of the car (it left the account)."""
        for issue in _VEHICLE_ISSUES:
            self.delete(issue)


@callback
def async_v2_retired(hass: HomeAssistant, entry_id: str) -> None:
    """Smartcar turned v2 off: the entry must move to V3 (its values stay meanwhile)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_V2_RETIRED}_{entry_id}",
        data={ISSUE_ENTRY_ID: entry_id},
        is_fixable=True,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_V2_RETIRED,
        translation_placeholders={"dashboard_url": SMARTCAR_DASHBOARD_URL},
        learn_more_url=SMARTCAR_DASHBOARD_URL,
    )


@callback
def async_delete_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Remove every repair issue the cars of a config entry raised."""
    for (domain, issue_id), issue in list(ir.async_get(hass).issues.items()):
        if domain == DOMAIN and (issue.data or {}).get(ISSUE_ENTRY_ID) == entry_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
