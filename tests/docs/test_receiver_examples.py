"""The receiver examples the province guide points to accept what the hub sends, as the hub sends it.

Each push is made by the delivery code itself (``Sender`` with the subscription's signing secrets,
bodies built by ``build_push``), so a change to signing or encoding that a province's receiver
would reject fails here. The Python example always runs; the Node one needs node and npm.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

import httpx
import pytest

from hub.delivery.pipeline.s3_attempt import build_push
from hub.delivery.push.failures import PushRejected
from hub.delivery.push.sender import Sender
from hub.delivery.push.signing import webhook_headers
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.docs.receivers import node_command, python_command, running
from tests.hub.delivery.jobs import make_job

Launch = Callable[[], tuple[list[str], dict[str, str]]]


def python_example() -> tuple[list[str], dict[str, str]]:
    return python_command(), {}


def node_example() -> tuple[list[str], dict[str, str]]:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node or npm is not installed: the Node example cannot run here")
    return node_command()


EXAMPLES = pytest.mark.parametrize("example", [python_example, node_example], ids=["python", "node"])


@EXAMPLES
async def test_a_signed_push_is_applied_once_and_its_repeat_recognised(example: Launch) -> None:
    secret = generate_secret()
    command, env = example()
    with running(command, [secret], env) as receiver:
        async with httpx.AsyncClient() as client:
            sender = Sender(receiver.url, client, SigningSecrets(secret))
            single = build_push([make_job("KS-1", 1)], batch_mode=False)
            assert (await sender.send(single)).status_code == 200
            assert receiver.report() == {"webhook_id": single.msg_id, "applied": [single.msg_id]}
            assert (await sender.send(single)).status_code == 200  # the hub's retry of a lost answer
            assert receiver.report() == {"webhook_id": single.msg_id, "duplicate": True}


@EXAMPLES
async def test_a_batch_applies_each_event_under_one_webhook_id(example: Launch) -> None:
    secret = generate_secret()
    command, env = example()
    with running(command, [secret], env) as receiver:
        async with httpx.AsyncClient() as client:
            batch = build_push([make_job("KS-1", 1), make_job("KS-2", 1, offset=1)], batch_mode=True)
            assert (await Sender(receiver.url, client, SigningSecrets(secret)).send(batch)).status_code == 200
    assert receiver.report() == {"webhook_id": batch.msg_id, "applied": ["e-KS-1-1", "e-KS-2-1"]}


@EXAMPLES
async def test_during_a_rotation_a_receiver_holding_either_secret_accepts(example: Launch) -> None:
    old, new = generate_secret(), generate_secret()
    rotated = SigningSecrets(old).rotated(new, overlap_s=3600)
    command, env = example()
    for held in (old, new):
        with running(command, [held], env) as receiver:
            async with httpx.AsyncClient() as client:
                push = build_push([make_job("KS-9", 2)], batch_mode=False)
                assert (await Sender(receiver.url, client, rotated).send(push)).status_code == 200
            assert receiver.report()["applied"] == [push.msg_id]


@EXAMPLES
async def test_a_wrong_secret_a_changed_body_or_an_old_timestamp_is_refused(example: Launch) -> None:
    secret = generate_secret()
    command, env = example()
    with running(command, [secret], env) as receiver:
        async with httpx.AsyncClient() as client:
            push = build_push([make_job("KS-1", 1)], batch_mode=False)
            with pytest.raises(PushRejected) as refused:
                await Sender(receiver.url, client, SigningSecrets(generate_secret())).send(push)
            assert refused.value.status_code == 401
            signed = webhook_headers([secret], push.msg_id, int(time.time()), push.body)
            changed = await client.post(
                receiver.url, content=push.body.replace(b"KS-1", b"KS-2"), headers=signed
            )
            old = webhook_headers([secret], push.msg_id, int(time.time()) - 600, push.body)
            late = await client.post(receiver.url, content=push.body, headers=old)
        assert (changed.status_code, late.status_code) == (401, 401)
        assert receiver.quiet()
