"""``hub subscriptions`` against a real API server."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli.errors import ExitCode
from hub.subscriptions.secrets import generate_secret
from tests.hub.cli.conftest import Hub

SPECS = """\
id: hanoi-civil-status
endpoint_url: https://93.184.216.34/hook
feeds: [vn.gov.civil-status.*]
filter:
  predicates:
    - {path: after.status, op: eq, value: registered}
---
id: hcm-land
endpoint_url: https://93.184.216.34/land
feeds: [gov.land.parcel.v1]
delivery: {mode: batch, batch_max_events: 50}
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sub.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_apply_list_show_rotate_delete(hub: Hub, tmp_path: Path) -> None:
    file = write(tmp_path, SPECS)
    first = hub("subscriptions", "apply", "-f", file)
    assert first.exit_code == 0, first.output
    assert "created hanoi-civil-status" in first.output and "created hcm-land" in first.output
    assert first.output.count("whsec_") == 2
    again = hub("subscriptions", "apply", "-f", file)
    assert "updated hcm-land" in again.output and "whsec_" not in again.output
    listed = hub("subscriptions", "list")
    assert "hanoi-civil-status" in listed.output and "active" in listed.output
    shown = hub("subscriptions", "show", "hcm-land")
    assert '"batch_max_events": 50' in shown.output and "whsec_" not in shown.output
    rotated = hub("subscriptions", "rotate-secret", "hcm-land", "--overlap-s", "60")
    assert rotated.exit_code == 0 and "whsec_" in rotated.output
    assert hub("subscriptions", "delete", "hcm-land", "-y").exit_code == 0
    assert "hcm-land" not in hub("subscriptions", "list").output


def test_unsafe_endpoint_reported_with_its_code(hub: Hub, tmp_path: Path) -> None:
    file = write(tmp_path, SPECS.replace("https://93.184.216.34/land", "http://169.254.169.254/"))
    result = hub("subscriptions", "apply", "-f", file)
    assert result.exit_code == ExitCode.REFUSED
    assert "unsafe_endpoint" in result.output


def test_invalid_file_reported(hub: Hub, tmp_path: Path) -> None:
    for text in ("id: [unclosed", "- just\n- a list\n", ""):
        result = hub("subscriptions", "apply", "-f", write(tmp_path, text))
        assert result.exit_code == ExitCode.REFUSED
        assert "invalid_file" in result.output


def test_a_malformed_later_document_applies_nothing(hub: Hub, tmp_path: Path) -> None:
    file = write(tmp_path, SPECS.replace("batch_max_events: 50", "batch_max_events: many"))
    result = hub("subscriptions", "apply", "-f", file)
    assert result.exit_code == ExitCode.REFUSED
    assert "invalid_file" in result.output and "document 2" in result.output
    assert "delivery.batch_max_events" in result.output
    assert "hanoi-civil-status" not in hub("subscriptions", "list").output


def test_the_signing_secret_comes_from_the_environment(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = generate_secret()
    spec = SPECS.split("---")[0] + "secret: ${HANOI_SIGNING_SECRET}\n"
    result = hub("subscriptions", "apply", "-f", write(tmp_path, spec))
    assert result.exit_code == ExitCode.REFUSED
    assert "invalid_file" in result.output and "${HANOI_SIGNING_SECRET}" in result.output
    monkeypatch.setenv("HANOI_SIGNING_SECRET", secret)
    result = hub("subscriptions", "apply", "-f", write(tmp_path, spec))
    assert result.exit_code == 0, result.output
    assert "created hanoi-civil-status" in result.output
