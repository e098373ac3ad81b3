"""The CLI's HTTP client of the control-plane API, and the one place its failures are translated.

Problem responses come back as ``ApiError`` carrying the server's stable code (as
``problem_code``: the error's own ``code`` stays ``api_error``, one code per class), ``details`` and
status; an API that cannot be reached is ``ApiUnreachable``. Commands therefore only deal
with ``HubError`` and never with httpx.
"""

from __future__ import annotations

from typing import Any

import httpx

from schemas.errors import HubError

DEFAULT_TIMEOUT_S = 30.0


class ApiError(HubError):
    """An error answer of the API; ``problem_code`` is the server's code, ``http_status`` its status."""

    code = "api_error"

    def __init__(self, message: str, *, problem_code: str, http_status: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.problem_code = problem_code
        self.http_status = http_status


class ApiUnreachable(HubError):
    """The API did not answer at all: wrong address, not running, or a network failure."""

    code = "api_unreachable"
    status = 503
    retriable = True


class ApiClient:
    """Sends JSON requests to ``base_url`` and returns responses that are known to be 2xx."""

    def __init__(
        self, base_url: str, *, token: str | None = None, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = base_url
        headers = {"Authorization": f"Bearer {token}"} if token else None  # HUB_API_TOKEN
        self._http = httpx.Client(
            base_url=base_url, transport=transport, timeout=DEFAULT_TIMEOUT_S, headers=headers
        )

    def close(self) -> None:
        self._http.close()

    def request(
        self, method: str, path: str, json: Any = None, *, content: bytes | None = None
    ) -> httpx.Response:
        """``json`` to send a JSON document, or ``content`` for bytes that already are one (a file)."""
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            response = self._http.request(method, path, json=json, content=content, headers=headers)
        except httpx.TransportError as exc:
            raise ApiUnreachable(f"cannot reach the hub API at {self.base_url} ({exc})") from exc
        if response.is_error:
            raise _error_from(response)
        return response

    def get(self, path: str) -> Any:
        return self.request("GET", path).json()

    def put(self, path: str, json: Any) -> Any:
        return self.request("PUT", path, json).json()

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path).json()


def _error_from(response: httpx.Response) -> ApiError:
    """Read a problem document; anything else (a proxy's HTML page) keeps its HTTP status."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if isinstance(problem, dict) and isinstance(problem.get("code"), str):
        title = str(problem.get("title", response.reason_phrase))
        return ApiError(
            title,
            problem_code=problem["code"],
            http_status=response.status_code,
            details=problem.get("details"),
        )
    return ApiError(
        f"HTTP {response.status_code} {response.reason_phrase}",
        problem_code=f"http_{response.status_code}",
        http_status=response.status_code,
    )
