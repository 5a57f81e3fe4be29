"""The one place that sends a request, times it out and turns every failure into a `SmartcarError`.

Also the helpers every client shares: checked path segments and URLs, shape-checked parsing, bearer
tokens that are told when they are refused, and following the links of v3 lists.
"""

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
import logging
import math
from typing import Final, Protocol, runtime_checkable
from urllib.parse import quote

import aiohttp
from yarl import URL

from . import _json as j
from .errors import (
    AuthenticationError,
    SmartcarConnectionError,
    SmartcarInvalidInputError,
    SmartcarResponseError,
    SmartcarTimeoutError,
    error_from_response,
    parse_retry_after,
)
from .models import ResponseMeta
from .parsers import meta_from_headers

# The logger keeps the name it had before the client was split (log filters name it).
_LOGGER = logging.getLogger(__name__.rpartition(".")[0] + ".client")


type TokenProvider = Callable[[], Awaitable[str]]


@runtime_checkable
class RejectableTokenProvider(Protocol):
    """A token provider that can be told a token was refused (`ApplicationTokenSource`)."""

    async def __call__(self) -> str:
        """Return a valid access token."""
        ...

    def invalidate(self, rejected_token: str) -> None:
        """Forget `rejected_token` so the next call gets a new one."""
        ...


API_VERSION: Final = "v2.0"
API_V3_VERSION: Final = "v3"
# Never follow more pages than this: a server that always says "next" must not loop us forever.
MAX_PAGES: Final = 100


# --- Transport: one place that sends, times out, and turns failures into SmartcarError ----------


@dataclass(frozen=True, slots=True)
class _Answer:
    """A 2xx answer: decoded JSON (None when the body was empty) and its metadata."""

    status: int
    body: object
    meta: ResponseMeta
    headers: Mapping[str, str] = field(default_factory=dict)


class _Transport:
    """Sends one request and maps every way it can fail to the error hierarchy."""

    def __init__(self, session: aiohttp.ClientSession, timeout: float) -> None:
        self._session = session
        self._timeout_seconds = timeout
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        json_body: object = None,
        form: Mapping[str, str] | None = None,
        allow_empty: bool = False,
    ) -> _Answer:
        """Send and return the decoded 2xx answer, or raise the matching `SmartcarError`."""
        try:
            async with self._session.request(
                method,
                url,
                headers=dict(headers),
                json=json_body,
                data=form,
                timeout=self._timeout,
                # Never carry the Bearer token to wherever a redirect points.
                allow_redirects=False,
            ) as response:
                raw = await response.read()
                status = response.status
                response_headers: Mapping[str, str] = response.headers
        except TimeoutError as err:
            raise SmartcarTimeoutError(
                f"Smartcar did not answer {method} {url.path} within {self._timeout_seconds:g} s"
            ) from err
        except aiohttp.ClientError as err:
            raise SmartcarConnectionError(
                f"cannot reach Smartcar for {method} {url.path}: {type(err).__name__}"
            ) from err
        _LOGGER.debug("%s %s -> %s", method, url.path, status)
        meta = meta_from_headers(response_headers)
        if not 200 <= status < 300:
            text = raw.decode("utf-8", errors="replace")
            try:
                error_body: object = j.loads(raw) if raw.strip() else None
            except j.ShapeError:
                error_body = None
            raise error_from_response(status, error_body, response_headers, text=text)
        if not raw.strip():
            if allow_empty:
                return _Answer(status, None, meta, response_headers)
            raise SmartcarResponseError(
                f"{method} {url.path} answered {status} with an empty body",
                status=status,
                request_id=meta.request_id,
            )
        try:
            body = j.loads(raw)
        except j.ShapeError as err:
            raise SmartcarResponseError(
                f"{method} {url.path} answered {status} with a body that is not JSON",
                status=status,
                request_id=meta.request_id,
            ) from err
        return _Answer(status, body, meta, response_headers)


async def send_authorized(
    transport: _Transport,
    get_access_token: TokenProvider,
    method: str,
    url: URL,
    *,
    headers: Mapping[str, str],
    json_body: object = None,
    allow_empty: bool = False,
) -> _Answer:
    """Send with `Authorization: Bearer <token>`; a 401 tells the provider its token failed.

    A provider that can `invalidate` (an `ApplicationTokenSource`) then renews on the next
    call; the request itself is not repeated (a command must never run twice).
    """
    token = _required("the access token", await get_access_token())
    try:
        return await transport.send(
            method,
            url,
            headers={**headers, "Authorization": f"Bearer {token}"},
            json_body=json_body,
            allow_empty=allow_empty,
        )
    except AuthenticationError:
        if isinstance(get_access_token, RejectableTokenProvider):
            get_access_token.invalidate(token)
        raise


@contextmanager
def _shape_checked(answer: _Answer, where: str) -> Iterator[None]:
    """Turn a body that is not what the API documents into `SmartcarResponseError`."""
    try:
        yield
    except j.ShapeError as err:
        raise SmartcarResponseError(
            f"{where}: {err}", status=answer.status, request_id=answer.meta.request_id
        ) from err


def _parse[T](
    answer: _Answer, where: str, parse: Callable[[j.JsonObject, ResponseMeta], T]
) -> T:
    """Run a parser on an answer's JSON object; a wrong shape becomes `SmartcarResponseError`."""
    with _shape_checked(answer, where):
        return parse(j.as_object(answer.body, where), answer.meta)


def _required(name: str, value: object) -> str:
    """Refuse an empty id or token before anything is sent."""
    if not isinstance(value, str) or not value.strip():
        raise SmartcarInvalidInputError(f"{name} must be a non-empty string")
    return value


def _segment(name: str, value: object) -> str:
    """Check and percent-encode a path segment from user input (non-empty, no dot segment)."""
    text = _required(name, value)
    if text in {".", ".."}:
        raise SmartcarInvalidInputError(f"{name} is not a valid identifier")
    return quote(text, safe="")


def _url(origin: str, *segments: str) -> URL:
    """`origin/segment/...`; segments are already encoded."""
    return URL(origin.rstrip("/") + "/" + "/".join(segments), encoded=True)


def _in_range(name: str, value: object, low: float, high: float) -> float:
    """Check a finite number within [low, high]; refuse it before anything is sent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SmartcarInvalidInputError(f"{name} must be a number")
    if not math.isfinite(value) or not low <= value <= high:
        raise SmartcarInvalidInputError(f"{name} must be between {low:g} and {high:g}")
    return float(value)


def link_on(origin: str, link: str) -> URL | None:
    """Resolve a link of a v3 answer on `origin`; None when it points elsewhere.

    Smartcar's links are absolute or relative to the versioned base (`/vehicles/{id}/signals
    ?page=2`); a link to another origin would receive our token, so it is never followed.
    """
    target = URL(link, encoded=True)
    if not target.absolute:
        versioned = f"/{API_V3_VERSION}/"
        path = link if link.startswith(versioned) else versioned + link.lstrip("/")
        return URL(origin.rstrip("/") + path, encoded=True)
    if target.origin() == URL(origin).origin():
        return target
    _LOGGER.debug("ignoring a link outside %s", URL(origin).host)
    return None


def next_page(current: URL, body: j.JsonObject, origin: str) -> URL | None:
    """Find the next page of a v3 list: `links.next` on `origin`, else by `meta` counts.

    `meta.page` goes with `?page=&pageSize=` [S15-net], JSON:API `meta.pageNumber` with
    `?page[number]=&page[size]=` [S19], [T4]: the next page is asked the way this one was.
    None after the last page.
    """
    links = j.opt_object(body, "links")
    next_link = j.opt_str(links, "next") if links else None
    if next_link and (target := link_on(origin, next_link)) is not None:
        return target
    meta = j.opt_object(body, "meta")
    if meta is None:
        return None
    number_key, size_key = "page", "pageSize"
    page = j.opt_int(meta, "page")
    if page is None:
        number_key, size_key = "page[number]", "page[size]"
        page = j.opt_int(meta, "pageNumber")
    size = j.opt_int(meta, "pageSize")
    total = j.opt_int(meta, "totalCount")
    if page is None or not size or total is None or page * size >= total:
        return None
    return current.update_query({number_key: page + 1, size_key: size})


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` seconds of an answer, if it sent one."""
    value = headers.get("Retry-After") if headers else None
    return parse_retry_after(value) if value else None
