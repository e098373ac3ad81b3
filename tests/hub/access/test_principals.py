"""Agency identifier codes (Decision 20/2020/QĐ-TTg) and organisation declarations."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.access.principals import InvalidAgencyCode, OrganisationSpec, canonical_agency_code, level1_group


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("000.00.00.G01", "000.00.00.G01"),  # a ministry (Bộ Công an)
        ("G22", "000.00.00.G22"),  # bare level-1 code: the agency itself
        (" h49 ", "000.00.00.H49"),  # Quảng Ninh's People's Committee, case and spaces forgiven
        ("000.00.12.H49", "000.00.12.H49"),  # one of its departments
        ("123.45.67.K57", "123.45.67.K57"),  # Huế's People's Council, a level-4 unit
    ],
)
def test_valid_codes_take_their_full_form(given: str, canonical: str) -> None:
    assert canonical_agency_code(given) == canonical


@pytest.mark.parametrize(
    "given", ["", "G1", "G001", "00.00.00.G01", "000.00.00.01", "000-00-00-G01", "000.00.00.GG1", "hanoi"]
)
def test_malformed_codes_are_refused_with_their_code(given: str) -> None:
    with pytest.raises(InvalidAgencyCode) as caught:
        canonical_agency_code(given)
    assert caught.value.code == "invalid_agency_code"


def test_level1_group_is_the_letter() -> None:
    assert level1_group("000.00.12.H49") == "H"


def test_kind_must_agree_with_the_level1_letter() -> None:
    assert OrganisationSpec(code="G15", name="Bộ Tư pháp", kind="ministry").code == "000.00.00.G15"
    assert OrganisationSpec(code="H49", name="UBND tỉnh Quảng Ninh", kind="province").kind == "province"
    with pytest.raises(ValidationError, match="starts with G"):
        OrganisationSpec(code="H49", name="x", kind="ministry")
    with pytest.raises(ValidationError, match="starts with H"):
        OrganisationSpec(code="G15", name="x", kind="province")
    assert OrganisationSpec(code="G22", name="Cổng DVC quốc gia", kind="portal").code == "000.00.00.G22"


def test_only_publishers_have_domains_and_domains_are_feed_words() -> None:
    spec = OrganisationSpec(
        code="G15", name="x", kind="ministry", roles=["publisher"], domains=["civil-status"]
    )
    assert spec.domains == ["civil-status"]
    with pytest.raises(ValidationError, match="only a publisher"):
        OrganisationSpec(code="H49", name="x", kind="province", roles=["subscriber"], domains=["land"])
    with pytest.raises(ValidationError):
        OrganisationSpec(code="G15", name="x", kind="ministry", roles=["publisher"], domains=["Civil Status"])


def test_unknown_fields_and_roles_are_refused() -> None:
    with pytest.raises(ValidationError):
        OrganisationSpec.model_validate({"code": "G15", "name": "x", "kind": "ministry", "role": ["admin"]})
    with pytest.raises(ValidationError):
        OrganisationSpec.model_validate({"code": "G15", "name": "x", "kind": "ministry", "roles": ["root"]})
