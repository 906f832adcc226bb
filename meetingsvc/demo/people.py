"""The demo province and its people: bodies, the 55 members of the Executive
Committee and three guests.

The province (Sơn Hà) is fictional, but the offices follow the shape of a
Vietnamese provincial Party committee after the 2025 reorganisation (two-tier
local government, so commune and ward Party secretaries instead of district
ones), so screens and packets look like the real thing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "BODIES",
    "GUESTS",
    "MEMBERS",
    "PROVINCE",
    "Body",
    "Membership",
    "Person",
    "Position",
    "Province",
    "person",
    "username_for",
]


@dataclass(frozen=True)
class Province:
    """How the province names itself in document headers and date lines."""

    name: str
    """The bare name, used as the place in date lines ("Sơn Hà, ngày …")."""
    party_organisation: str
    """The superior line of a header: "ĐẢNG BỘ TỈNH SƠN HÀ"."""
    committee: str
    """The issuing body in a header: "TỈNH ỦY"."""


PROVINCE = Province(name="Sơn Hà", party_organisation="ĐẢNG BỘ TỈNH SƠN HÀ", committee="TỈNH ỦY")


@dataclass(frozen=True)
class Body:
    """A body whose members are invited to its meetings."""

    code: str
    name_vi: str
    name_en: str
    short_vi: str


BODIES: dict[str, Body] = {
    body.code: body
    for body in (
        Body("bch", "Ban Chấp hành Đảng bộ tỉnh", "Provincial Executive Committee", "BCH"),
        Body("btv", "Ban Thường vụ Tỉnh ủy", "Standing Committee", "BTV"),
        Body("tt", "Thường trực Tỉnh ủy", "Standing Board", "TT"),
    )
}


class Position(StrEnum):
    """A person's position within one body."""

    SECRETARY = "bi_thu"
    DEPUTY_SECRETARY = "pho_bi_thu"
    MEMBER = "uy_vien"

    @property
    def label_vi(self) -> str:
        return {"bi_thu": "Bí thư", "pho_bi_thu": "Phó Bí thư", "uy_vien": "Ủy viên"}[self.value]

    @property
    def label_en(self) -> str:
        return {"bi_thu": "Secretary", "pho_bi_thu": "Deputy Secretary", "uy_vien": "Member"}[
            self.value
        ]


@dataclass(frozen=True)
class Membership:
    """One seat: the body (by code) and the position held in it."""

    body: str
    position: Position


@dataclass(frozen=True)
class Person:
    """A member or guest, with the title printed next to their name."""

    full_name: str
    username: str
    female: bool
    title_vi: str
    title_en: str
    memberships: tuple[Membership, ...] = ()
    """Empty for guests (đại biểu mời), who belong to no body."""

    def position_in(self, body: str) -> Position | None:
        """The position held in `body`, or None when not a member of it."""
        for membership in self.memberships:
            if membership.body == body:
                return membership.position
        return None

    def is_member_of(self, body: str) -> bool:
        return self.position_in(body) is not None


def username_for(full_name: str) -> str:
    """The login derived from a name: no diacritics, no spaces ("nguyenvanan")."""
    folded = full_name.replace("Đ", "D").replace("đ", "d")
    ascii_only = unicodedata.normalize("NFD", folded).encode("ascii", "ignore").decode()
    return "".join(ascii_only.lower().split())


_S, _D, _M = Position.SECRETARY, Position.DEPUTY_SECRETARY, Position.MEMBER

# (name, female, Vietnamese title, English gloss, position in BCH, BTV, TT); kept one member
# per entry, as a table reads better than one field per line.
# fmt: off
_MEMBER_ROWS: tuple[tuple[str, bool, str, str, tuple[Position | None, ...]], ...] = (
    ("Nguyễn Khắc Thắng", False, "Bí thư Tỉnh ủy", "Provincial Party Secretary", (_S, _S, _S)),
    ("Trần Thị Thu Hằng", True, "Phó Bí thư Thường trực Tỉnh ủy",
     "Standing Deputy Secretary", (_D, _D, _D)),
    ("Lê Quang Minh", False, "Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh",
     "Deputy Secretary, Chairman of the Provincial People's Committee", (_D, _D, _D)),
    ("Phạm Đức Hùng", False, "Phó Bí thư Tỉnh ủy, Chủ tịch HĐND tỉnh",
     "Deputy Secretary, Chairman of the Provincial People's Council", (_D, _D, _D)),
    ("Hoàng Văn Khải", False, "Trưởng Ban Tổ chức Tỉnh ủy",
     "Head of the Organisation Commission", (_M, _M)),
    ("Huỳnh Thị Mai", True, "Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy",
     "Chair of the Inspection Commission", (_M, _M)),
    ("Phan Thanh Tùng", False, "Trưởng Ban Tuyên giáo và Dân vận Tỉnh ủy",
     "Head of the Propaganda and Mass Mobilisation Commission", (_M, _M)),
    ("Vũ Hồng Sơn", False, "Trưởng Ban Nội chính Tỉnh ủy",
     "Head of the Internal Affairs Commission", (_M, _M)),
    ("Đặng Quốc Bảo", False, "Chánh Văn phòng Tỉnh ủy",
     "Chief of the Provincial Party Office", (_M, _M)),
    ("Võ Minh Trí", False, "Phó Chủ tịch Thường trực UBND tỉnh",
     "Standing Vice Chairman of the Provincial People's Committee", (_M, _M)),
    ("Bùi Thị Ngọc Lan", True, "Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
     "Chair of the Provincial Fatherland Front Committee", (_M, _M)),
    ("Đỗ Văn Cường", False, "Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh",
     "Commander of the Provincial Military Command", (_M, _M)),
    ("Hồ Sĩ Dũng", False, "Giám đốc Công an tỉnh", "Director of Provincial Police", (_M, _M)),
    ("Ngô Thị Phương", True, "Bí thư Đảng ủy các cơ quan Đảng tỉnh",
     "Secretary of the Party Committee of Provincial Party Agencies", (_M, _M)),
    ("Dương Văn Lộc", False, "Phó Chủ tịch Thường trực HĐND tỉnh",
     "Standing Vice Chairman of the Provincial People's Council", (_M, _M)),
    ("Lý Minh Hoàng", False, "Phó Chủ tịch UBND tỉnh",
     "Vice Chairman of the Provincial People's Committee", (_M,)),
    ("Nguyễn Thị Hồng Nhung", True, "Phó Chủ tịch UBND tỉnh",
     "Vice Chairwoman of the Provincial People's Committee", (_M,)),
    ("Trần Quốc Việt", False, "Phó Chủ tịch UBND tỉnh",
     "Vice Chairman of the Provincial People's Committee", (_M,)),
    ("Lê Văn Hiếu", False, "Phó Chủ tịch HĐND tỉnh",
     "Vice Chairman of the Provincial People's Council", (_M,)),
    ("Phạm Thị Thanh Hương", True, "Phó Trưởng Ban Tổ chức Tỉnh ủy",
     "Deputy Head of the Organisation Commission", (_M,)),
    ("Hoàng Minh Tuấn", False, "Phó Chủ nhiệm Thường trực Ủy ban Kiểm tra Tỉnh ủy",
     "Standing Vice Chair of the Inspection Commission", (_M,)),
    ("Nguyễn Hữu Phước", False, "Phó Trưởng Ban Tuyên giáo và Dân vận Tỉnh ủy",
     "Deputy Head of the Propaganda and Mass Mobilisation Commission", (_M,)),
    ("Trần Văn Nam", False, "Phó Chánh Văn phòng Tỉnh ủy",
     "Deputy Chief of the Provincial Party Office", (_M,)),
    ("Đinh Công Thành", False, "Giám đốc Sở Tài chính",
     "Director of the Department of Finance", (_M,)),
    ("Lê Thị Kim Oanh", True, "Giám đốc Sở Nội vụ",
     "Director of the Department of Home Affairs", (_M,)),
    ("Võ Văn Toàn", False, "Giám đốc Sở Xây dựng",
     "Director of the Department of Construction", (_M,)),
    ("Nguyễn Đình Long", False, "Giám đốc Sở Nông nghiệp và Môi trường",
     "Director of the Department of Agriculture and Environment", (_M,)),
    ("Trương Thị Hải Yến", True, "Giám đốc Sở Giáo dục và Đào tạo",
     "Director of the Department of Education and Training", (_M,)),
    ("Phan Văn Đức", False, "Giám đốc Sở Y tế", "Director of the Department of Health", (_M,)),
    ("Đặng Thanh Bình", False, "Giám đốc Sở Khoa học và Công nghệ",
     "Director of the Department of Science and Technology", (_M,)),
    ("Huỳnh Tấn Lực", False, "Giám đốc Sở Công Thương",
     "Director of the Department of Industry and Trade", (_M,)),
    ("Mai Xuân Trường", False, "Giám đốc Sở Văn hóa, Thể thao và Du lịch",
     "Director of the Department of Culture, Sports and Tourism", (_M,)),
    ("Bùi Văn Khánh", False, "Giám đốc Sở Tư pháp", "Director of the Department of Justice", (_M,)),
    ("Cao Minh Châu", False, "Chánh Thanh tra tỉnh", "Chief Provincial Inspector", (_M,)),
    ("Nguyễn Thị Lệ Thủy", True, "Chánh án Tòa án nhân dân tỉnh",
     "Chief Judge of the Provincial People's Court", (_M,)),
    ("Trần Ngọc Khoa", False, "Viện trưởng Viện kiểm sát nhân dân tỉnh",
     "Chief Prosecutor of the Provincial People's Procuracy", (_M,)),
    ("Vũ Đức Thịnh", False, "Chính trị viên Bộ Chỉ huy Quân sự tỉnh",
     "Political Commissar of the Provincial Military Command", (_M,)),
    ("Lê Hoài Nam", False, "Phó Giám đốc Công an tỉnh",
     "Deputy Director of Provincial Police", (_M,)),
    ("Hà Văn Sáng", False, "Chỉ huy trưởng Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
     "Commander of the Provincial Border Guard", (_M,)),
    ("Phạm Thị Diệu Linh", True, "Phó Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
     "Vice Chair of the Provincial Fatherland Front Committee", (_M,)),
    ("La Thị Hoa", True, "Chủ tịch Hội Liên hiệp Phụ nữ tỉnh",
     "Chair of the Provincial Women's Union", (_M,)),
    ("Tạ Quang Huy", False, "Bí thư Tỉnh đoàn", "Secretary of the Provincial Youth Union", (_M,)),
    ("Nguyễn Trọng Hiền", False, "Tổng Biên tập Báo và Phát thanh, Truyền hình Sơn Hà",
     "Editor-in-Chief of Sơn Hà Newspaper, Radio and Television", (_M,)),
    ("Lương Văn Thái", False, "Hiệu trưởng Trường Chính trị tỉnh",
     "Principal of the Provincial Political School", (_M,)),
    ("Kiều Thị Vân Anh", True, "Phó Trưởng Đoàn đại biểu Quốc hội tỉnh",
     "Deputy Head of the Province's National Assembly Delegation", (_M,)),
    ("Nguyễn Văn Hải", False, "Bí thư Đảng ủy phường Bình Minh",
     "Party Secretary of Bình Minh Ward", (_M,)),
    ("Trần Minh Hiếu", False, "Bí thư Đảng ủy phường Hà Thanh",
     "Party Secretary of Hà Thanh Ward", (_M,)),
    ("Lê Thành Công", False, "Bí thư Đảng ủy phường Sơn Trung",
     "Party Secretary of Sơn Trung Ward", (_M,)),
    ("Đỗ Thị Thu Trang", True, "Bí thư Đảng ủy xã Đồng Tâm",
     "Party Secretary of Đồng Tâm Commune", (_M,)),
    ("Hồ Văn Lâm", False, "Bí thư Đảng ủy xã Tân Phú", "Party Secretary of Tân Phú Commune", (_M,)),
    ("Ngô Quang Vinh", False, "Bí thư Đảng ủy xã Phú Lộc",
     "Party Secretary of Phú Lộc Commune", (_M,)),
    ("Dương Thị Bích Ngọc", True, "Bí thư Đảng ủy xã Hòa An",
     "Party Secretary of Hòa An Commune", (_M,)),
    ("Phan Đình Khang", False, "Bí thư Đảng ủy xã Thanh Lâm",
     "Party Secretary of Thanh Lâm Commune", (_M,)),
    ("Võ Thị Kim Liên", True, "Bí thư Đảng ủy xã Mỹ Lợi",
     "Party Secretary of Mỹ Lợi Commune", (_M,)),
    ("Lý Văn Bình", False, "Bí thư Đảng ủy xã Hưng Long",
     "Party Secretary of Hưng Long Commune", (_M,)),
)
# fmt: on


def _member(row: tuple[str, bool, str, str, tuple[Position | None, ...]]) -> Person:
    name, female, title_vi, title_en, positions = row
    seats = tuple(
        Membership(body, position)
        for body, position in zip(("bch", "btv", "tt"), positions, strict=False)
        if position is not None
    )
    return Person(name, username_for(name), female, title_vi, title_en, seats)


MEMBERS: tuple[Person, ...] = tuple(_member(row) for row in _MEMBER_ROWS)
"""The Executive Committee in protocol order: Standing Board first, then the
rest of the Standing Committee, then the other members."""

GUESTS: tuple[Person, ...] = tuple(
    Person(name, username_for(name), female, title_vi, title_en)
    for name, female, title_vi, title_en in (
        (
            "Đoàn Văn Thọ",
            False,
            "Phó Vụ trưởng, Văn phòng Trung ương Đảng",
            "Deputy Director, Office of the Party Central Committee",
        ),
        ("Lâm Hữu Đạo", False, "Nguyên Bí thư Tỉnh ủy", "Former Provincial Party Secretary"),
        (
            "Châu Thị Mỹ Hạnh",
            True,
            "Chủ tịch Hội Cựu giáo chức tỉnh",
            "Chair of the Provincial Association of Retired Teachers",
        ),
    )
)
"""Invited delegates (đại biểu mời): they attend but hold no seat."""

_BY_USERNAME: dict[str, Person] = {p.username: p for p in (*MEMBERS, *GUESTS)}


def person(username: str) -> Person:
    """The member or guest with this login; KeyError when there is none."""
    return _BY_USERNAME[username]
