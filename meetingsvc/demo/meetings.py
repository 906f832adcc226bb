"""Two demo meetings of the province, each item with the one document it discusses.

A Standing Committee session a week after `today` and an Executive Committee
session a fortnight after, so a freshly seeded instance always has upcoming
meetings whose papers mix open, MẬT and TỐI MẬT items and one item that only
the Standing Committee may receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from ..documents.vocabulary import KINDS, Confidentiality, DocumentKind
from ..timezones import default_office_zone
from .people import GUESTS, MEMBERS

__all__ = [
    "AUDIENCE_ALL",
    "AUDIENCE_STANDING_COMMITTEE",
    "KINDS",
    "AgendaItem",
    "Confidentiality",
    "DemoDocument",
    "DemoMeeting",
    "DocumentKind",
    "SignatureBlock",
    "demo_meetings",
    "reporting_period",
]

AUDIENCE_ALL = "all"
"""Every delegate invited to the meeting receives the document."""
AUDIENCE_STANDING_COMMITTEE = "body:btv"
"""Only invited members of the Standing Committee receive it."""


@dataclass(frozen=True)
class SignatureBlock:
    """Thể thức ký: "T/M BAN THƯỜNG VỤ" over "BÍ THƯ" over the signer's name."""

    authority: str
    title: str
    signer: str
    """Username of the signer (see `people.person`)."""


@dataclass(frozen=True)
class DemoDocument:
    """The document attached to one agenda item, as the office would upload it."""

    number: int
    kind: DocumentKind
    subject: str
    """Trích yếu: the title without the kind, starting in lower case ("về …")."""
    confidentiality: Confidentiality
    pages: int
    audience: str
    """`AUDIENCE_ALL` or `AUDIENCE_STANDING_COMMITTEE`."""
    guests_allowed: bool
    issued_on: date
    signature: SignatureBlock
    recipients: tuple[str, ...]
    """Nơi nhận, as printed at the bottom left."""

    @property
    def symbol(self) -> str:
        """Số, ký hiệu: "15-NQ/TU"."""
        return f"{self.number}-{self.kind.abbreviation}/TU"

    @property
    def title(self) -> str:
        """The full title as a list would show it: "Nghị quyết về …"."""
        return f"{self.kind.name_vi} {self.subject}"


@dataclass(frozen=True)
class AgendaItem:
    """One point of the agenda and the document the delegates read for it."""

    order: int
    title: str
    presenter: str
    """Username of the member who presents the item."""
    document: DemoDocument


@dataclass(frozen=True)
class DemoMeeting:
    """A session of one body, with whom to invite and what to discuss."""

    body: str
    """Code of the body that meets (see `people.BODIES`)."""
    number: int
    title: str
    starts_at: datetime
    place: str
    chair: str
    members: tuple[str, ...]
    """Usernames of the invited members, in protocol order."""
    guests: tuple[str, ...]
    items: tuple[AgendaItem, ...]


def reporting_period(day: date) -> str:
    """The period a socio-economic report covers when discussed on `day`: the
    quarters already closed, or the whole past year early in the year."""
    closed_quarters = (day.month - 1) // 3
    if closed_quarters == 0:
        return f"năm {day.year - 1}"
    return f"{('quý I', '6 tháng đầu', '9 tháng đầu')[closed_quarters - 1]} năm {day.year}"


def _working_day(day: date) -> date:
    """Meetings are held Monday to Friday."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# Who presents and signs what, by login (the tests check each one exists).
_SECRETARY = "nguyenkhacthang"  # Bí thư Tỉnh ủy
_STANDING_DEPUTY = "tranthithuhang"  # Phó Bí thư Thường trực
_CHAIRMAN = "lequangminh"  # Chủ tịch UBND tỉnh
_ORGANISATION = "hoangvankhai"  # Trưởng Ban Tổ chức
_INSPECTION = "huynhthimai"  # Chủ nhiệm Ủy ban Kiểm tra
_PROPAGANDA = "phanthanhtung"  # Trưởng Ban Tuyên giáo và Dân vận
_INTERNAL_AFFAIRS = "vuhongson"  # Trưởng Ban Nội chính
_OFFICE = "dangquocbao"  # Chánh Văn phòng Tỉnh ủy
_VICE_CHAIRMAN = "vominhtri"  # Phó Chủ tịch Thường trực UBND tỉnh
_POLICE = "hosidung"  # Giám đốc Công an tỉnh
_SCIENCE = "dangthanhbinh"  # Giám đốc Sở Khoa học và Công nghệ

_BY_DEPUTY = SignatureBlock("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ THƯỜNG TRỰC", _STANDING_DEPUTY)
_BY_COMMITTEE = SignatureBlock("T/M TỈNH ỦY", "BÍ THƯ", _SECRETARY)
_BY_OFFICE = SignatureBlock("T/L BAN THƯỜNG VỤ", "CHÁNH VĂN PHÒNG", _OFFICE)

_TO_STANDING = ("- Các đồng chí Ủy viên Ban Thường vụ Tỉnh ủy,", "- Lưu Văn phòng Tỉnh ủy.")
_TO_COMMITTEE = (
    "- Ban Bí thư Trung ương Đảng (để báo cáo),",
    "- Văn phòng Trung ương Đảng,",
    "- Các đồng chí Tỉnh ủy viên,",
    "- Lưu Văn phòng Tỉnh ủy.",
)

_MAT, _TOI_MAT = Confidentiality.MAT, Confidentiality.TOI_MAT


@dataclass(frozen=True)
class _Office:
    """Issues the papers for one meeting: same date, same distribution list."""

    issued_on: date
    recipients: tuple[str, ...]

    def paper(
        self,
        symbol: str,
        subject: str,
        pages: int,
        signature: SignatureBlock,
        *,
        confidentiality: Confidentiality = Confidentiality.NONE,
        audience: str = AUDIENCE_ALL,
        guests_allowed: bool = False,
    ) -> DemoDocument:
        """A document from its short symbol ("15-NQ") and trích yếu."""
        number, kind = symbol.split("-")
        return DemoDocument(
            number=int(number),
            kind=KINDS[kind],
            subject=subject,
            confidentiality=confidentiality,
            pages=pages,
            audience=audience,
            guests_allowed=guests_allowed,
            issued_on=self.issued_on,
            signature=signature,
            recipients=self.recipients,
        )


def _agenda(*items: tuple[str, str, DemoDocument]) -> tuple[AgendaItem, ...]:
    """Number (title, presenter, document) triples in the order given."""
    return tuple(
        AgendaItem(order, title, presenter, document)
        for order, (title, presenter, document) in enumerate(items, start=1)
    )


# The agendas below are kept one item per entry: they read as tables.
# fmt: off
def _standing_agenda(office: _Office, period: str, year: int) -> tuple[AgendaItem, ...]:
    paper = office.paper
    return _agenda(
        ("Khai mạc; thông qua chương trình hội nghị", _OFFICE,
         paper("11-CTr", "Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 45", 3, _BY_OFFICE,
               guests_allowed=True)),
        (f"Báo cáo tình hình kinh tế – xã hội {period}; nhiệm vụ trọng tâm thời gian tới",
         _CHAIRMAN,
         paper("212-BC", f"tình hình kinh tế – xã hội, quốc phòng, an ninh {period}; "
               "nhiệm vụ, giải pháp trọng tâm thời gian tới", 10, _BY_DEPUTY)),
        (f"Tờ trình về Đề án chuyển đổi số tỉnh Sơn Hà giai đoạn {year}–2030", _SCIENCE,
         paper("37-TTr", f"về Đề án chuyển đổi số tỉnh Sơn Hà giai đoạn {year} – 2030, "
               "định hướng đến năm 2035", 6, _BY_DEPUTY)),
        (f"Báo cáo công tác kiểm tra, giám sát {period}", _INSPECTION,
         paper("215-BC", "kết quả công tác kiểm tra, giám sát và thi hành kỷ luật đảng "
               f"{period}", 8, _BY_DEPUTY, confidentiality=_MAT)),
        ("Công tác cán bộ: điều động, bổ nhiệm cán bộ diện Ban Thường vụ quản lý",
         _ORGANISATION,
         paper("38-TTr", "về việc điều động, bổ nhiệm cán bộ thuộc diện Ban Thường vụ "
               "Tỉnh ủy quản lý", 4, _BY_DEPUTY, confidentiality=_MAT)),
        ("Kết luận về công tác giải phóng mặt bằng các dự án trọng điểm", _VICE_CHAIRMAN,
         paper("1043-TB", "kết luận của Ban Thường vụ Tỉnh ủy về công tác bồi thường, "
               "giải phóng mặt bằng các dự án trọng điểm của tỉnh", 4, _BY_OFFICE)),
        ("Báo cáo tình hình an ninh chính trị, trật tự, an toàn xã hội", _POLICE,
         paper("218-BC", f"tình hình an ninh chính trị, trật tự, an toàn xã hội {period}",
               5, _BY_DEPUTY, confidentiality=_MAT)),
        ("Kế hoạch tổ chức Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 12", _STANDING_DEPUTY,
         paper("64-KH", "tổ chức Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 12", 3,
               _BY_DEPUTY)),
    )


def _committee_agenda(office: _Office, period: str, year: int) -> tuple[AgendaItem, ...]:
    paper = office.paper
    return _agenda(
        ("Khai mạc; thông qua chương trình hội nghị", _OFFICE,
         paper("12-CTr", "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 12", 3, _BY_OFFICE,
               guests_allowed=True)),
        (f"Báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế – xã hội {period}",
         _CHAIRMAN,
         paper("226-BC", "tình hình thực hiện nhiệm vụ phát triển kinh tế – xã hội, bảo "
               f"đảm quốc phòng, an ninh {period}; nhiệm vụ, giải pháp trọng tâm thời gian "
               "tới", 12, _BY_COMMITTEE, guests_allowed=True)),
        ("Thảo luận, cho ý kiến Dự thảo Nghị quyết về chuyển đổi số", _STANDING_DEPUTY,
         paper("15-NQ", "về đẩy mạnh chuyển đổi số, phát triển kinh tế số tỉnh Sơn Hà đến "
               "năm 2030, tầm nhìn đến năm 2045", 10, _BY_COMMITTEE)),
        ("Báo cáo kết quả lãnh đạo, chỉ đạo của Ban Thường vụ giữa hai kỳ hội nghị",
         _STANDING_DEPUTY,
         paper("227-BC", "kết quả lãnh đạo, chỉ đạo của Ban Thường vụ Tỉnh ủy giữa hai kỳ "
               "Hội nghị Ban Chấp hành Đảng bộ tỉnh", 7, _BY_DEPUTY)),
        ("Báo cáo công tác kiểm tra, giám sát và thi hành kỷ luật đảng", _INSPECTION,
         paper("228-BC", f"công tác kiểm tra, giám sát và thi hành kỷ luật đảng {period}",
               8, _BY_DEPUTY, confidentiality=_MAT)),
        ("Báo cáo công tác phòng, chống tham nhũng, lãng phí, tiêu cực", _INTERNAL_AFFAIRS,
         paper("229-BC", f"công tác phòng, chống tham nhũng, lãng phí, tiêu cực {period}",
               6, _BY_DEPUTY, confidentiality=_MAT)),
        (f"Đề án phát triển nông nghiệp xanh, tuần hoàn giai đoạn {year}–2030",
         _VICE_CHAIRMAN,
         paper("9-ĐA", "phát triển nông nghiệp xanh, tuần hoàn gắn với xây dựng nông thôn "
               f"mới tỉnh Sơn Hà giai đoạn {year} – 2030", 11, _BY_COMMITTEE)),
        ("Chương trình hành động thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị",
         _PROPAGANDA,
         paper("13-CTr", "hành động thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của "
               "Bộ Chính trị về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và "
               "chuyển đổi số quốc gia", 7, _BY_COMMITTEE)),
        ("Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh khóa XVII", _OFFICE,
         paper("1302-QĐ", "ban hành Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh khóa "
               "XVII, nhiệm kỳ 2025 – 2030", 9, _BY_COMMITTEE)),
        ("Giới thiệu nhân sự bầu bổ sung Ủy viên Ban Thường vụ Tỉnh ủy", _ORGANISATION,
         paper("41-TTr", "về việc giới thiệu nhân sự bầu bổ sung Ủy viên Ban Thường vụ "
               "Tỉnh ủy khóa XVII, nhiệm kỳ 2025 – 2030", 4, _BY_DEPUTY,
               confidentiality=_TOI_MAT)),
        ("Kết quả thẩm định, đánh giá nhân sự (tài liệu phục vụ Ban Thường vụ)",
         _ORGANISATION,
         paper("230-BC", "kết quả thẩm định, đánh giá, nhận xét nhân sự dự kiến giới thiệu "
               "bầu bổ sung Ủy viên Ban Thường vụ Tỉnh ủy", 5, _BY_DEPUTY,
               confidentiality=_MAT, audience=AUDIENCE_STANDING_COMMITTEE)),
        (f"Kế hoạch công tác xây dựng Đảng và hệ thống chính trị năm {year + 1}",
         _STANDING_DEPUTY,
         paper("71-KH", "triển khai nhiệm vụ công tác xây dựng Đảng và hệ thống chính trị "
               f"năm {year + 1}", 5, _BY_DEPUTY)),
    )
# fmt: on


def demo_meetings(today: date, zone: tzinfo | None = None) -> list[DemoMeeting]:
    """The Standing Committee session (a week on) and the Executive Committee
    session (a fortnight on), with papers dated a few days before each; their
    times are the office's clock in ``zone`` (default: OFFICE_TIMEZONE's default)."""
    zone = zone or default_office_zone()
    standing_day = _working_day(today + timedelta(days=7))
    committee_day = _working_day(today + timedelta(days=14))
    standing_members = tuple(p.username for p in MEMBERS if p.is_member_of("btv"))
    standing = DemoMeeting(
        body="btv",
        number=45,
        title="Hội nghị Ban Thường vụ Tỉnh ủy lần thứ 45",
        starts_at=datetime.combine(standing_day, time(8, 0), zone),
        place="Phòng họp số 1, Tỉnh ủy Sơn Hà",
        chair=_SECRETARY,
        members=standing_members,
        guests=(GUESTS[0].username,),
        items=_standing_agenda(
            _Office(standing_day - timedelta(days=3), _TO_STANDING),
            reporting_period(standing_day),
            standing_day.year,
        ),
    )
    committee = DemoMeeting(
        body="bch",
        number=12,
        title="Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 12",
        starts_at=datetime.combine(committee_day, time(7, 30), zone),
        place="Hội trường Tỉnh ủy Sơn Hà",
        chair=_SECRETARY,
        members=tuple(p.username for p in MEMBERS),
        guests=tuple(p.username for p in GUESTS),
        items=_committee_agenda(
            _Office(committee_day - timedelta(days=5), _TO_COMMITTEE),
            reporting_period(committee_day),
            committee_day.year,
        ),
    )
    return [standing, committee]
