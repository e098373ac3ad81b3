"""Land feeds (Ministry of Agriculture and Environment land database): parcels and certificates.

A parcel is identified as land registers identify it: commune, map sheet number (số tờ bản đồ)
and parcel number on that sheet (số thửa). Land-use purpose codes are those of the land
inventory (đất ở nông thôn ONT, đất ở đô thị ODT, đất chuyên trồng lúa LUC...).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from schemas.feeds.row import CitizenId, CommuneCode, FeedRow, PersonName

LandUsePurpose = Literal[
    "LUC", "LUK", "BHK", "CLN", "RSX", "RPH", "RDD", "NTS", "LMU", "NKH",
    "ONT", "ODT", "TSC", "CQP", "CAN", "TMD", "SKC", "SKK", "SKS", "DGT",
    "DTL", "TON", "NTD", "SON", "MNC", "PNK", "BCS", "DCS", "NCS",
]  # fmt: skip
MapSheetNo = Annotated[int, Field(ge=1, le=9999, description="map sheet number (số tờ bản đồ)")]
ParcelNo = Annotated[int, Field(ge=1, le=99999, description="parcel number on the sheet (số thửa)")]
AreaM2 = Annotated[float, Field(gt=0, le=1e9, description="area in square metres")]


class LandParcel(FeedRow):
    """One land parcel (thửa đất) of the cadastral map."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "commune_code": "00004", "map_sheet_no": 12, "parcel_no": 345, "area_m2": 86.5,
        "land_use_purpose": "ODT", "use_until": None, "address": "số 12 phố Đội Cấn, phường Ba Đình",
        "updated_at": "2026-11-23T08:00:00Z",
    }]})  # fmt: skip

    key_fields = ("commune_code", "map_sheet_no", "parcel_no")
    admin_unit_field = "commune_code"

    commune_code: CommuneCode
    map_sheet_no: MapSheetNo
    parcel_no: ParcelNo
    area_m2: AreaM2
    land_use_purpose: LandUsePurpose
    use_until: date | None = Field(default=None, description="end of the land-use term; null = long-term")
    address: str = Field(max_length=300, description="parcel address (địa chỉ thửa đất)")
    updated_at: datetime


class LandUseRightCertificate(FeedRow):
    """A land-use right certificate (Giấy chứng nhận quyền sử dụng đất), keyed by its serial."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "serial": "DA 123456", "entry_no": "CS01234", "holder_full_name": "Nguyễn Văn An",
        "holder_citizen_id": "001090012345", "commune_code": "00004", "map_sheet_no": 12,
        "parcel_no": 345, "area_m2": 86.5, "land_use_purpose": "ODT", "issue_date": "2024-03-15",
        "issuing_authority": "Sở Tài nguyên và Môi trường thành phố Hà Nội", "status": "valid",
    }]})  # fmt: skip

    key_fields = ("serial",)
    admin_unit_field = "commune_code"

    serial: str = Field(pattern=r"^[A-Z]{2} [0-9]{6}$", description="printed serial, e.g. DA 123456")
    entry_no: str = Field(
        pattern=r"^[A-Z]{1,3}[0-9]{3,7}$",
        description="entry number in the issuance book (số vào sổ), e.g. CS01234",
    )
    holder_full_name: PersonName
    holder_citizen_id: CitizenId
    commune_code: CommuneCode
    map_sheet_no: MapSheetNo
    parcel_no: ParcelNo
    area_m2: AreaM2
    land_use_purpose: LandUsePurpose
    issue_date: date
    issuing_authority: str = Field(min_length=1, max_length=200)
    status: Literal["valid", "revoked", "replaced"] = "valid"
