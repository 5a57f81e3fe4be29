"""An async client for the Smartcar API (no Home Assistant imports: it could ship on its own).

`SmartcarClient` reads and commands cars (v2.0, batch, v3 signals, Connections and commands with
`sc-user-id`), `SmartcarAuth` talks to the OAuth token endpoint, `ApplicationTokenSource` gets V3
application tokens, `SmartcarManagement` / `SmartcarManagementV3` the Management APIs (v2
connections; v3 webhook subscriptions); `webhooks` checks and parses deliveries. See
docs/api-v3.md.
Everything it returns is typed (`models`), everything it raises is a `SmartcarError` (`errors`).
"""

from .app_token import (
    ApplicationToken,
    ApplicationTokenSource,
    ApplicationTokenSources,
    TokenRequestStyle,
)
from .client import (
    BATCH_PATHS,
    Origins,
    SmartcarAuth,
    SmartcarClient,
    SmartcarManagement,
    TokenProvider,
    basic_auth_header,
)
from .commands import CommandExecution, CommandOutcome, V3Command
from .errors import (
    AuthenticationError,
    BillingError,
    ConnectedServicesAccountError,
    GatewayTimeoutError,
    MonthlyLimitExceededError,
    NotCapableError,
    OAuthError,
    RateLimitError,
    Resolution,
    ResourceNotFoundError,
    ServerError,
    SmartcarConnectionError,
    SmartcarError,
    SmartcarInvalidInputError,
    SmartcarPermissionError,
    SmartcarResponseError,
    SmartcarTimeoutError,
    UpstreamError,
    ValidationError,
    VehicleStateError,
    VersionRetiredError,
    WebhookPayloadError,
)
from .models import StateResult, VehicleState
from .parsers import PATH_READERS, PathReader
from .signals import SIGNALS, SignalSpec
from .subscriptions import (
    SmartcarManagementV3,
    SubscribeOutcome,
    SubscribeResult,
    Subscription,
    SubscriptionPaths,
)
from .webhooks import (
    VehicleErrorEvent,
    VehiclesEvent,
    VehicleStateEvent,
    VerifyEvent,
    WebhookEvent,
    WebhookVehicleError,
    challenge_response,
    parse_webhook,
    vehicle_events,
    verify_signature,
)

__all__ = [
    "BATCH_PATHS",
    "PATH_READERS",
    "SIGNALS",
    "ApplicationToken",
    "ApplicationTokenSource",
    "ApplicationTokenSources",
    "AuthenticationError",
    "BillingError",
    "CommandExecution",
    "CommandOutcome",
    "ConnectedServicesAccountError",
    "GatewayTimeoutError",
    "MonthlyLimitExceededError",
    "NotCapableError",
    "OAuthError",
    "Origins",
    "PathReader",
    "RateLimitError",
    "Resolution",
    "ResourceNotFoundError",
    "ServerError",
    "SignalSpec",
    "SmartcarAuth",
    "SmartcarClient",
    "SmartcarConnectionError",
    "SmartcarError",
    "SmartcarInvalidInputError",
    "SmartcarManagement",
    "SmartcarManagementV3",
    "SmartcarPermissionError",
    "SmartcarResponseError",
    "SmartcarTimeoutError",
    "StateResult",
    "SubscribeOutcome",
    "SubscribeResult",
    "Subscription",
    "SubscriptionPaths",
    "TokenProvider",
    "TokenRequestStyle",
    "UpstreamError",
    "V3Command",
    "ValidationError",
    "VehicleErrorEvent",
    "VehicleState",
    "VehicleStateError",
    "VehicleStateEvent",
    "VehiclesEvent",
    "VerifyEvent",
    "VersionRetiredError",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookVehicleError",
    "basic_auth_header",
    "challenge_response",
    "parse_webhook",
    "vehicle_events",
    "verify_signature",
]
