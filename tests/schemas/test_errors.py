"""A code belongs to exactly one class: the registry refuses a second one and finds the first."""

from __future__ import annotations

import pytest

from schemas.errors import HubError, InvalidInput, NotFound, error_class


def test_a_code_finds_its_one_class() -> None:
    assert error_class("not_found") is NotFound
    with pytest.raises(LookupError, match="no_such_code"):
        error_class("no_such_code")


def test_a_second_class_with_a_taken_code_is_refused() -> None:
    with pytest.raises(TypeError, match=r"already belongs to schemas\.errors\.NotFound"):

        class AlsoNotFound(InvalidInput):
            code = "not_found"


def test_a_public_class_must_name_its_own_code() -> None:
    with pytest.raises(TypeError, match="must name its own code"):

        class Borrowing(InvalidInput):
            pass

    class _SharedBase(InvalidInput):  # a private base adds behaviour, its subclasses add codes
        pass

    assert error_class("invalid_input") is InvalidInput


def test_errors_carry_their_class_code_only() -> None:
    with pytest.raises(TypeError):
        HubError("boom", code="other")  # type: ignore[call-arg]
    assert NotFound("gone").to_problem()["code"] == "not_found"
