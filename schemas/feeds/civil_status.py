"""Civil-status feeds (Ministry of Justice electronic civil-status database).

Registrations are identified as the registers identify them: the commune People's Committee that
registered, the register book (quyển số) and the number in that book (số). A birth registration
is also where a child's personal identification number is first recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field

from schemas.feeds.row import BookNo, CitizenId, CommuneCode, CountryCode, FeedRow, PersonName, Sex

RegistrationNo = Annotated[int, Field(ge=1, le=999999, description="number in the register book (số)")]
Place = Annotated[str, Field(min_length=1, max_length=300)]


class _Registration(FeedRow):
    key_fields = ("commune_code", "book_no", "registration_no")
    admin_unit_field = "commune_code"

    commune_code: CommuneCode = Field(description="commune that registered (nơi đăng ký)")
    book_no: BookNo
    registration_no: RegistrationNo
    registration_date: date


class BirthRegistration(_Registration):
    """A birth registration (đăng ký khai sinh)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "commune_code": "00004", "book_no": "01/2026", "registration_no": 157,
        "registration_date": "2026-11-20", "personal_id": "001226001234", "full_name": "Trần Minh Khang",
        "sex": "male", "date_of_birth": "2026-11-02", "place_of_birth": "Bệnh viện Phụ sản Hà Nội",
        "ethnicity": "Kinh", "nationality": "VN", "mother_full_name": "Lê Thị Hoa",
        "mother_citizen_id": "001195004321", "father_full_name": "Trần Văn Nam",
        "father_citizen_id": "001093007654",
    }]})  # fmt: skip

    personal_id: CitizenId
    full_name: PersonName
    sex: Sex
    date_of_birth: date
    place_of_birth: Place
    ethnicity: str = Field(min_length=1, max_length=50, description="ethnic group, e.g. Kinh, Tày")
    nationality: CountryCode = "VN"
    mother_full_name: PersonName | None = None
    mother_citizen_id: CitizenId | None = None
    father_full_name: PersonName | None = None
    father_citizen_id: CitizenId | None = None


class DeathRegistration(_Registration):
    """A death registration (đăng ký khai tử)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "commune_code": "00004", "book_no": "01/2026", "registration_no": 42,
        "registration_date": "2026-11-21", "deceased_full_name": "Phạm Văn Bình",
        "deceased_citizen_id": "001040001111", "sex": "male", "date_of_birth": "1940-05-01",
        "date_of_death": "2026-11-19", "place_of_death": "phường Ba Đình, thành phố Hà Nội",
        "declarant_full_name": "Phạm Thị Lan",
    }]})  # fmt: skip

    deceased_full_name: PersonName
    deceased_citizen_id: CitizenId
    sex: Sex
    date_of_birth: date | None = None
    date_of_death: date
    place_of_death: Place
    declarant_full_name: PersonName


class MarriageRegistration(_Registration):
    """A marriage registration (đăng ký kết hôn)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "commune_code": "00004", "book_no": "01/2026", "registration_no": 88,
        "registration_date": "2026-11-22", "husband_full_name": "Hoàng Đức Long",
        "husband_citizen_id": "001096002222", "husband_date_of_birth": "1996-02-14",
        "wife_full_name": "Vũ Thị Mai", "wife_citizen_id": "001198003333",
        "wife_date_of_birth": "1998-09-30",
    }]})  # fmt: skip

    husband_full_name: PersonName
    husband_citizen_id: CitizenId
    husband_date_of_birth: date
    wife_full_name: PersonName
    wife_citizen_id: CitizenId
    wife_date_of_birth: date
