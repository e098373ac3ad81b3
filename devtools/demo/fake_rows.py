"""Synthetic but realistic Vietnamese records for the demo's ministry databases.

Names, places and dates come from Faker's ``vi_VN`` locale; administrative units are real
(from the admin-units dataset). A share of the records still carries pre-July-2025 codes of
Hà Giang, the province merged into Tuyên Quang, as records do during the migration.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from faker import Faker

from schemas.admin_units import Era, Level, default_normaliser
from schemas.feeds import FeedSpec

LEGACY_PROVINCE = "02"  # Hà Giang before the merger
ABSORBING_PROVINCE = "08"  # Tuyên Quang, which absorbed it
CAPITAL = "01"  # Hà Nội
_PURPOSES = ("ODT", "ONT", "LUC", "CLN", "BHK", "TMD")


class RecordFaker:
    """Deterministic (seeded) row generators, one per feed entity."""

    def __init__(self, seed: int = 2025) -> None:
        self.fake = Faker("vi_VN")
        self.fake.seed_instance(seed)
        self.rng = random.Random(seed)
        units = default_normaliser().units
        self.communes = {
            "legacy": [u.code for u in units(Era.LEGACY, Level.COMMUNE, LEGACY_PROVINCE)],
            "absorbing": [u.code for u in units(Era.CURRENT, Level.COMMUNE, ABSORBING_PROVINCE)],
            "capital": [u.code for u in units(Era.CURRENT, Level.COMMUNE, CAPITAL)],
        }
        self.counter = 0

    def commune(self) -> str:
        pool = self.rng.choices(["legacy", "absorbing", "capital"], weights=[3, 3, 4])[0]
        return self.rng.choice(self.communes[pool])

    def province_of(self, commune: str) -> str:
        return default_normaliser().resolve(commune).original.province_code

    def citizen_id(self, born: date, female: bool) -> str:
        century = (born.year // 100 - 19) * 2 + (1 if female else 0)
        return f"{self.rng.randint(1, 96):03d}{century}{born.year % 100:02d}{self.rng.randint(0, 999999):06d}"

    def person(self, min_age: int = 18, max_age: int = 80) -> tuple[str, str, date]:
        female = self.rng.random() < 0.5
        born = self.fake.date_of_birth(minimum_age=min_age, maximum_age=max_age)
        name = self.fake.name_female() if female else self.fake.name_male()
        return name, self.citizen_id(born, female), born

    def next_no(self) -> int:
        self.counter += 1
        return self.counter

    def row(self, spec: FeedSpec) -> dict[str, Any]:
        makers: dict[str, Callable[[], dict[str, Any]]] = {
            "parcel": self.parcel,
            "land-use-right-certificate": self.certificate,
            "birth": self.birth,
            "death": self.death,
            "marriage": self.marriage,
            "criminal-record-certificate": self.criminal_record,
        }
        return makers[spec.entity]()

    def registration(self) -> dict[str, Any]:
        return {
            "commune_code": self.commune(),
            "book_no": f"{self.rng.randint(1, 5):02d}/2026",
            "registration_no": self.next_no(),
            "registration_date": date(2026, 11, 23) - timedelta(days=self.rng.randint(0, 30)),
        }

    def birth(self) -> dict[str, Any]:
        mother, mother_id, _ = self.person(20, 40)
        father, father_id, _ = self.person(22, 45)
        born = date(2026, 11, 23) - timedelta(days=self.rng.randint(1, 60))
        female = self.rng.random() < 0.5
        child = (
            f"{father.split()[0]} {self.fake.first_name_female() if female else self.fake.first_name_male()}"
        )
        return {
            **self.registration(),
            "personal_id": self.citizen_id(born, female),
            "full_name": child,
            "sex": "female" if female else "male",
            "date_of_birth": born,
            "place_of_birth": f"Bệnh viện đa khoa {self.fake.city()}",
            "ethnicity": self.rng.choice(["Kinh", "Tày", "H'Mông", "Dao", "Nùng"]),
            "nationality": "VN",
            "mother_full_name": mother,
            "mother_citizen_id": mother_id,
            "father_full_name": father,
            "father_citizen_id": father_id,
        }

    def death(self) -> dict[str, Any]:
        name, cid, born = self.person(60, 95)
        declarant, _, _ = self.person()
        return {
            **self.registration(),
            "deceased_full_name": name,
            "deceased_citizen_id": cid,
            "sex": "male" if cid[3] in "02" else "female",
            "date_of_birth": born,
            "date_of_death": date(2026, 11, 20) - timedelta(days=self.rng.randint(0, 20)),
            "place_of_death": self.fake.address().replace("\n", ", ")[:300],
            "declarant_full_name": declarant,
        }

    def marriage(self) -> dict[str, Any]:
        husband, husband_id, husband_born = self.person(20, 40)
        wife, wife_id, wife_born = self.person(18, 38)
        return {
            **self.registration(),
            "husband_full_name": husband,
            "husband_citizen_id": husband_id,
            "husband_date_of_birth": husband_born,
            "wife_full_name": wife,
            "wife_citizen_id": wife_id,
            "wife_date_of_birth": wife_born,
        }

    def parcel(self) -> dict[str, Any]:
        return {
            "commune_code": self.commune(),
            "map_sheet_no": self.rng.randint(1, 80),
            "parcel_no": self.next_no(),
            "area_m2": round(self.rng.uniform(40, 2500), 1),
            "land_use_purpose": self.rng.choice(_PURPOSES),
            "use_until": None,
            "address": self.fake.street_address()[:300],
            "updated_at": self.fake.date_time_this_year(tzinfo=None).astimezone(),
        }

    def certificate(self) -> dict[str, Any]:
        holder, holder_id, _ = self.person()
        return {
            "serial": f"{self.rng.choice(['DA', 'DB', 'DC'])} {self.next_no():06d}",
            "entry_no": f"CS{self.rng.randint(100, 99999):05d}",
            "holder_full_name": holder,
            "holder_citizen_id": holder_id,
            "commune_code": self.commune(),
            "map_sheet_no": self.rng.randint(1, 80),
            "parcel_no": self.rng.randint(1, 9999),
            "area_m2": round(self.rng.uniform(40, 2500), 1),
            "land_use_purpose": self.rng.choice(_PURPOSES),
            "issue_date": date(2026, 11, 23) - timedelta(days=self.rng.randint(0, 365)),
            "issuing_authority": "Văn phòng đăng ký đất đai",
            "status": "valid",
        }

    def criminal_record(self) -> dict[str, Any]:
        name, cid, born = self.person()
        commune = self.commune()
        return {
            "certificate_no": f"{self.next_no()}/2026/LLTP",
            "certificate_type": self.rng.choice([1, 2]),
            "applicant_full_name": name,
            "applicant_citizen_id": cid,
            "applicant_date_of_birth": born,
            "has_record": self.rng.random() < 0.05,
            "issuing_authority": "Sở Tư pháp",
            "issue_date": date(2026, 11, 23) - timedelta(days=self.rng.randint(0, 10)),
            "province_code": self.province_of(commune),
            "residence_commune_code": commune,
        }
