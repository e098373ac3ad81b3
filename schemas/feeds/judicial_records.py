"""Judicial-records feeds (criminal-records database of the Ministry of Justice).

A criminal-record certificate (Phiếu lý lịch tư pháp) is type 1 (for the applicant; only current
convictions) or type 2 (for prosecution bodies or the person themself; the full history). It is
issued by a provincial Department of Justice, so its administrative unit is a province.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from schemas.feeds.row import CitizenId, CommuneCode, FeedRow, PersonName, ProvinceCode


class CriminalRecordCertificate(FeedRow):
    """An issued criminal-record certificate, keyed by its certificate number."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "certificate_no": "1234/2026/LLTP", "certificate_type": 1,
        "applicant_full_name": "Đỗ Thị Thu", "applicant_citizen_id": "001199005555",
        "applicant_date_of_birth": "1999-07-07", "has_record": False,
        "issuing_authority": "Sở Tư pháp thành phố Hà Nội", "issue_date": "2026-11-20",
        "province_code": "01", "residence_commune_code": "00004",
    }]})  # fmt: skip

    key_fields = ("certificate_no",)
    admin_unit_field = "province_code"

    certificate_no: str = Field(
        pattern=r"^[0-9A-Z][0-9A-Z/.-]{0,39}$", description="certificate number, e.g. 1234/2026/LLTP"
    )
    certificate_type: Literal[1, 2]
    applicant_full_name: PersonName
    applicant_citizen_id: CitizenId
    applicant_date_of_birth: date
    has_record: bool = Field(description="true when the certificate lists a criminal record (có án tích)")
    issuing_authority: str = Field(min_length=1, max_length=200)
    issue_date: date
    province_code: ProvinceCode = Field(description="province of the issuing Department of Justice")
    residence_commune_code: CommuneCode | None = None
