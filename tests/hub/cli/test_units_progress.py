"""``hub units rehoming --wait`` follows the jobs until each ended, then shows the counts per subscription
(the API answered by a mock transport: the job runner's progress is scripted)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hub.cli import units as units_cli
from hub.cli.client import ApiClient


def job(sid: str, state: str, scanned: int, delivered: int) -> dict[str, Any]:
    return {
        "subscription_id": sid, "job_id": 7, "state": state, "scanned": scanned, "total": 40,
        "selected": 3, "produced": 3, "delivered": delivered, "error": None,
    }  # fmt: skip


def test_progress_is_shown_until_every_job_ended(capsys: pytest.CaptureFixture[str]) -> None:
    answers = iter(
        [
            [job("thai-nguyen", "running", 10, 0), job("tuyen-quang", "pending", 0, 0)],
            [job("thai-nguyen", "done", 40, 3), job("tuyen-quang", "failed", 12, 1)],
        ]
    )
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(200, json=next(answers))

    client = ApiClient("http://hub.test", transport=httpx.MockTransport(handler))
    units_cli.follow_rehoming(client, "2026.01", poll_s=0)
    printed = capsys.readouterr().out
    assert seen == ["/v1/units/2026.01/rehoming"] * 2
    assert "0 of 2 re-homing job(s) ended" in printed and "re-homing ended" in printed
    assert "2 of 2 re-homing job(s) ended" in printed
    assert "40/40" in printed and "failed" in printed
