"""Exit statuses tell the kind of failure apart (``hub.cli.errors.exit_code_for``)."""

from __future__ import annotations

import pytest

from hub.cli.client import ApiError, ApiUnreachable
from hub.cli.errors import ExitCode, exit_code_for
from schemas.errors import HubError, InvalidInput, NotFound


def api_error(status: int) -> ApiError:
    return ApiError("answer", problem_code="some_code", http_status=status)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, ExitCode.REFUSED),
        (403, ExitCode.REFUSED),
        (409, ExitCode.REFUSED),
        (422, ExitCode.REFUSED),
        (404, ExitCode.NOT_FOUND),
        (500, ExitCode.SERVER),
        (503, ExitCode.SERVER),
    ],
)
def test_an_api_answer_is_classified_by_its_http_status(status: int, expected: ExitCode) -> None:
    assert exit_code_for(api_error(status)) is expected


def test_an_unreachable_api_has_its_own_status() -> None:
    assert exit_code_for(ApiUnreachable("no answer")) is ExitCode.UNREACHABLE


def test_a_local_error_is_classified_by_the_status_it_would_be_sent_with() -> None:
    assert exit_code_for(InvalidInput("bad file")) is ExitCode.REFUSED
    assert exit_code_for(NotFound("no such version")) is ExitCode.NOT_FOUND
    assert exit_code_for(HubError("broken")) is ExitCode.SERVER


def test_the_statuses_are_distinct_and_stable() -> None:
    assert [int(code) for code in ExitCode] == [0, 1, 2, 3, 4, 5, 6]
