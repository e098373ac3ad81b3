"""Who the demo delivers to: the national portal and two provincial systems.

Tuyên Quang absorbed Hà Giang in 2025, so records still carrying Hà Giang's pre-merger codes
must reach Tuyên Quang's system. Its receiver is told to fail for a while, to show retries
without loss. Agency codes follow the national scheme (level-1 G.. for central bodies, H.. for
provinces); the numbers here are illustrative.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.routing.moves import moved_out_id
from schemas.admin_units import default_normaliser
from schemas.events import ChangeEvent, Op

DEMO_RETRY_SCHEDULE_S = [0.0, 2.0, 4.0, 8.0, 15.0, 30.0]


@dataclass(frozen=True)
class Portal:
    slug: str
    org_code: str
    org_name: str
    kind: str
    feeds: tuple[str, ...]
    provinces: tuple[str, ...] = ()  # current province codes; empty = nationwide
    fail_for_s: float = 0.0
    purpose: str = "Giải quyết thủ tục hành chính"
    legal_basis: str = "Nghị định 47/2020/NĐ-CP về quản lý, kết nối và chia sẻ dữ liệu số"
    port: int = field(default=0, compare=False)

    def covers(self, unit: str | None) -> bool:
        """Whether a unit code (either era) lies in this portal's provinces (all, when nationwide)."""
        if not self.provinces:
            return True
        if unit is None:
            return False
        return default_normaliser().resolve(unit).province.code in self.provinces

    def wants_type(self, event: ChangeEvent) -> bool:
        return any(fnmatch.fnmatchcase(event.type, pattern) for pattern in self.feeds)

    def expected(self, events: Iterable[ChangeEvent]) -> dict[str, str]:
        """The demo's own, independent statement of what this portal must receive: event id -> kind.

        It follows each record through the events on Kafka (in log order) with its own memory of
        the record's last unit, rather than trusting the units the connector stamped: a delete
        is due where the record last was; a record that left the portal's provinces is due as a
        move-out (its derived id); everything else where its unit lies.
        """
        last_unit: dict[tuple[str, str], str | None] = {}
        due: dict[str, str] = {}
        for event in events:
            record = (event.type, event.subject)
            before = last_unit.get(record)
            unit = event.adminunit or event.adminunitorig
            if event.data.op is Op.DELETE:
                unit = before if before is not None else unit
                last_unit.pop(record, None)
            else:
                last_unit[record] = unit
            if not self.wants_type(event):
                continue
            if self.covers(unit):
                due[event.id] = event.data.op.value
            elif before is not None and event.data.op is not Op.DELETE and self.covers(before):
                due[moved_out_id(event.id)] = "moved-out"
        return due


PORTALS = (
    Portal(
        slug="national-portal",
        org_code="000.00.00.G22",
        org_name="Văn phòng Chính phủ — Cổng Dịch vụ công quốc gia",
        kind="portal",
        feeds=("vn.gov.*",),
    ),
    Portal(
        slug="tuyen-quang",
        org_code="000.00.00.H53",
        org_name="UBND tỉnh Tuyên Quang",
        kind="province",
        feeds=("vn.gov.civil-status.*", "vn.gov.land.*"),
        provinces=("08",),
        fail_for_s=6.0,
    ),
    Portal(
        slug="ha-noi",
        org_code="000.00.00.H26",
        org_name="UBND thành phố Hà Nội",
        kind="province",
        feeds=("vn.gov.civil-status.*", "vn.gov.judicial-records.*", "vn.gov.land.*"),
        provinces=("01",),
    ),
)

PUBLISHERS = {
    "land": ("000.00.00.G12", "Bộ Nông nghiệp và Môi trường"),
    "civil-status": ("000.00.00.G13", "Bộ Tư pháp — Cơ sở dữ liệu hộ tịch"),
    "judicial-records": ("000.00.00.G14", "Bộ Tư pháp — Lý lịch tư pháp"),
}
