"""Plausible Vietnamese administrative prose for demo documents.

Documents are assembled from a bank of sentences by a generator seeded from
the caller's seed, so the same document always reads the same, while
different documents read differently enough to look real in a viewer.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count

__all__ = ["Block", "body_blocks", "section_plan"]


@dataclass(frozen=True)
class Block:
    """One piece of body text: a section heading, a sub-heading or a paragraph."""

    kind: str
    """"section" ("I. …"), "subsection" ("1. …") or "paragraph"."""
    text: str


# Section headings per document kind, each with the sentence bank its paragraphs use.
_SECTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "NQ": (
        ("TÌNH HÌNH VÀ NGUYÊN NHÂN", "results"),
        ("QUAN ĐIỂM, MỤC TIÊU", "tasks"),
        ("NHIỆM VỤ, GIẢI PHÁP CHỦ YẾU", "tasks"),
        ("TỔ CHỨC THỰC HIỆN", "organise"),
    ),
    "BC": (
        ("KẾT QUẢ ĐẠT ĐƯỢC", "results"),
        ("HẠN CHẾ, KHUYẾT ĐIỂM VÀ NGUYÊN NHÂN", "limits"),
        ("PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", "tasks"),
        ("ĐỀ XUẤT, KIẾN NGHỊ", "organise"),
    ),
    "TTr": (
        ("SỰ CẦN THIẾT", "results"),
        ("CĂN CỨ VÀ QUÁ TRÌNH CHUẨN BỊ", "limits"),
        ("NỘI DUNG CHỦ YẾU", "tasks"),
        ("ĐỀ NGHỊ", "organise"),
    ),
    "ĐA": (
        ("SỰ CẦN THIẾT XÂY DỰNG ĐỀ ÁN", "results"),
        ("THỰC TRẠNG", "limits"),
        ("MỤC TIÊU, NHIỆM VỤ VÀ GIẢI PHÁP", "tasks"),
        ("KINH PHÍ VÀ TỔ CHỨC THỰC HIỆN", "organise"),
    ),
    "QĐ": (
        ("QUY ĐỊNH CHUNG", "organise"),
        ("TRÁCH NHIỆM, QUYỀN HẠN", "tasks"),
        ("CHẾ ĐỘ LÀM VIỆC", "organise"),
        ("ĐIỀU KHOẢN THI HÀNH", "organise"),
    ),
    "default": (
        ("MỤC ĐÍCH, YÊU CẦU", "results"),
        ("NHIỆM VỤ, GIẢI PHÁP", "tasks"),
        ("TỔ CHỨC THỰC HIỆN", "organise"),
    ),
}

_SUBHEADINGS: tuple[str, ...] = (
    "Công tác lãnh đạo, chỉ đạo",
    "Về phát triển kinh tế",
    "Về văn hóa – xã hội",
    "Về quốc phòng, an ninh",
    "Công tác xây dựng Đảng và hệ thống chính trị",
    "Công tác cán bộ",
    "Chuyển đổi số và cải cách hành chính",
    "Công tác kiểm tra, giám sát",
    "Công tác dân vận và phát huy dân chủ ở cơ sở",
    "Quản lý đất đai, tài nguyên và bảo vệ môi trường",
    "Huy động và sử dụng nguồn lực đầu tư",
    "Phát triển nguồn nhân lực",
    "Công tác phối hợp giữa các cơ quan",
    "Công tác thông tin, tuyên truyền",
)

_ARTICLES: tuple[str, ...] = (
    "Phạm vi điều chỉnh và đối tượng áp dụng",
    "Nguyên tắc làm việc",
    "Trách nhiệm, quyền hạn của Ban Chấp hành Đảng bộ tỉnh",
    "Trách nhiệm, quyền hạn của Ban Thường vụ Tỉnh ủy",
    "Trách nhiệm, quyền hạn của Thường trực Tỉnh ủy",
    "Trách nhiệm, quyền hạn của Bí thư Tỉnh ủy",
    "Trách nhiệm của các đồng chí Tỉnh ủy viên",
    "Chế độ hội nghị",
    "Chế độ thông tin, báo cáo",
    "Quan hệ công tác",
    "Chế độ đi cơ sở",
    "Ban hành và quản lý văn bản",
    "Giải quyết công việc thường xuyên",
    "Sửa đổi, bổ sung Quy chế",
    "Hiệu lực thi hành",
    "Trách nhiệm thi hành",
)
"""Article titles ("Điều 3. …") for the regulations a decision issues."""

_OPENINGS: tuple[str, ...] = (
    "Thực hiện Quy chế làm việc của Ban Chấp hành Đảng bộ tỉnh khóa XVII, nhiệm kỳ "
    "2025 – 2030 và Chương trình công tác toàn khóa, Ban Thường vụ Tỉnh ủy báo cáo "
    "các nội dung chủ yếu như sau:",
    "Căn cứ Điều lệ Đảng; căn cứ Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XVII, "
    "nhiệm kỳ 2025 – 2030; trên cơ sở kết quả thảo luận và ý kiến của các cơ quan, "
    "đơn vị, Ban Thường vụ Tỉnh ủy xác định các nội dung sau:",
    "Thực hiện chỉ đạo của Thường trực Tỉnh ủy, trên cơ sở tổng hợp báo cáo của các "
    "cơ quan, địa phương, đơn vị, Văn phòng Tỉnh ủy tham mưu nội dung như sau:",
)

_SENTENCES: dict[str, tuple[str, ...]] = {
    "results": (
        "Ban Thường vụ Tỉnh ủy đã tập trung lãnh đạo, chỉ đạo quyết liệt, đồng bộ các nhiệm "
        "vụ, giải pháp, bám sát Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XVII.",
        "Tăng trưởng kinh tế (GRDP) ước đạt 8,2%, cao hơn mức bình quân chung của cả nước; "
        "quy mô nền kinh tế tiếp tục được mở rộng.",
        "Thu ngân sách nhà nước trên địa bàn ước đạt 11.450 tỷ đồng, bằng 96,4% dự toán "
        "Trung ương giao, tăng 12,3% so với cùng kỳ.",
        "Công tác giải ngân vốn đầu tư công được chỉ đạo sát sao; đến nay đã giải ngân "
        "được 78,5% kế hoạch vốn, cao hơn cùng kỳ năm trước.",
        "Chính quyền địa phương hai cấp vận hành ổn định, thông suốt; thủ tục hành chính "
        "được rà soát, cắt giảm, tạo thuận lợi cho người dân và doanh nghiệp.",
        "Các lĩnh vực văn hóa, xã hội tiếp tục có chuyển biến tích cực; đời sống vật chất, "
        "tinh thần của Nhân dân được cải thiện.",
        "Tỷ lệ hộ nghèo theo chuẩn nghèo đa chiều giảm còn 2,1%; các chính sách an sinh xã "
        "hội được thực hiện đầy đủ, kịp thời.",
        "Quốc phòng, an ninh được giữ vững; trật tự, an toàn xã hội được bảo đảm, không để "
        "xảy ra tình huống bất ngờ.",
        "Công tác xây dựng, chỉnh đốn Đảng và hệ thống chính trị được chú trọng; năng lực "
        "lãnh đạo và sức chiến đấu của tổ chức đảng được nâng lên.",
        "Công tác kiểm tra, giám sát được thực hiện có trọng tâm, trọng điểm, kịp thời phát "
        "hiện và chấn chỉnh những hạn chế, thiếu sót.",
        "Hạ tầng số được đầu tư đồng bộ; 100% cơ quan đảng, chính quyền cấp tỉnh và cấp xã "
        "sử dụng văn bản điện tử và chữ ký số.",
        "Mối quan hệ phối hợp giữa các cơ quan trong hệ thống chính trị ngày càng chặt chẽ, "
        "hiệu quả.",
        "Niềm tin của cán bộ, đảng viên và Nhân dân đối với sự lãnh đạo của Đảng tiếp tục "
        "được củng cố.",
    ),
    "limits": (
        "Bên cạnh kết quả đạt được, việc thực hiện nhiệm vụ vẫn còn một số hạn chế, khuyết "
        "điểm cần sớm khắc phục.",
        "Tiến độ triển khai một số dự án trọng điểm còn chậm, chủ yếu do vướng mắc trong "
        "công tác bồi thường, giải phóng mặt bằng.",
        "Chất lượng tham mưu của một số cơ quan, đơn vị chưa đáp ứng yêu cầu; việc cụ thể "
        "hóa chủ trương của cấp trên có lúc còn chậm.",
        "Một bộ phận cán bộ, đảng viên còn biểu hiện né tránh, sợ trách nhiệm, chưa chủ động "
        "đề xuất giải pháp tháo gỡ khó khăn.",
        "Nguồn lực đầu tư cho khoa học, công nghệ và chuyển đổi số chưa tương xứng với yêu "
        "cầu phát triển.",
        "Công tác quản lý nhà nước trên một số lĩnh vực như đất đai, khoáng sản, xây dựng "
        "còn để xảy ra sai phạm.",
        "Nguyên nhân chủ yếu là do tác động bất lợi của tình hình kinh tế thế giới và khu "
        "vực, cùng với thiên tai, dịch bệnh diễn biến phức tạp.",
        "Về chủ quan, một số cấp ủy, người đứng đầu chưa thật sự quyết liệt trong lãnh đạo, "
        "chỉ đạo; công tác phối hợp có lúc chưa nhịp nhàng.",
        "Cơ chế, chính sách thu hút đầu tư chưa đủ hấp dẫn; hạ tầng kỹ thuật ở một số khu "
        "vực còn thiếu đồng bộ.",
        "Việc sắp xếp tổ chức bộ máy ở một số nơi còn lúng túng, chế độ, chính sách cho "
        "cán bộ dôi dư chưa được giải quyết dứt điểm.",
    ),
    "tasks": (
        "Tiếp tục quán triệt sâu sắc, thực hiện nghiêm túc các nghị quyết, chỉ thị, kết luận "
        "của Trung ương và của Tỉnh ủy.",
        "Tập trung tháo gỡ khó khăn, vướng mắc, đẩy nhanh tiến độ giải ngân vốn đầu tư công, "
        "phấn đấu hoàn thành 100% kế hoạch được giao.",
        "Đẩy mạnh chuyển đổi số toàn diện trong các cơ quan đảng, chính quyền, Mặt trận Tổ "
        "quốc và các đoàn thể chính trị – xã hội.",
        "Nâng cao chất lượng nguồn nhân lực, chú trọng đào tạo đội ngũ cán bộ có trình độ "
        "chuyên môn cao, đáp ứng yêu cầu nhiệm vụ trong giai đoạn mới.",
        "Cải thiện mạnh mẽ môi trường đầu tư, kinh doanh; nâng cao các chỉ số năng lực cạnh "
        "tranh cấp tỉnh và chỉ số cải cách hành chính.",
        "Tăng cường quản lý nhà nước về đất đai, tài nguyên, môi trường; chủ động phòng, "
        "chống thiên tai, thích ứng với biến đổi khí hậu.",
        "Giữ vững ổn định chính trị, bảo đảm quốc phòng, an ninh, trật tự, an toàn xã hội "
        "trong mọi tình huống.",
        "Tiếp tục đổi mới phương thức lãnh đạo của Đảng; nâng cao chất lượng sinh hoạt chi "
        "bộ và tự phê bình, phê bình.",
        "Thực hiện tốt công tác cán bộ, kiên quyết thay thế cán bộ yếu kém về năng lực, "
        "không hoàn thành nhiệm vụ.",
        "Phát huy vai trò giám sát và phản biện xã hội của Mặt trận Tổ quốc và các đoàn thể "
        "chính trị – xã hội.",
        "Ưu tiên bố trí nguồn lực cho các công trình, dự án có tính chất động lực, lan tỏa, "
        "tạo đột phá cho phát triển kinh tế – xã hội.",
        "Đẩy mạnh phòng, chống tham nhũng, lãng phí, tiêu cực; xử lý nghiêm các tổ chức, cá "
        "nhân vi phạm.",
    ),
    "organise": (
        "Các cấp ủy, tổ chức đảng tổ chức quán triệt, xây dựng chương trình, kế hoạch cụ thể "
        "để triển khai thực hiện.",
        "Đảng ủy Ủy ban nhân dân tỉnh lãnh đạo cụ thể hóa thành các chương trình, đề án, "
        "bảo đảm nguồn lực để tổ chức thực hiện.",
        "Ban Tuyên giáo và Dân vận Tỉnh ủy chủ trì, phối hợp với các cơ quan liên quan "
        "hướng dẫn công tác tuyên truyền sâu rộng.",
        "Ủy ban Kiểm tra Tỉnh ủy chủ trì, phối hợp tham mưu giúp Ban Thường vụ Tỉnh ủy kiểm "
        "tra, giám sát việc thực hiện.",
        "Văn phòng Tỉnh ủy theo dõi, đôn đốc, định kỳ tổng hợp tình hình, báo cáo Ban "
        "Thường vụ Tỉnh ủy.",
        "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị kịp "
        "thời báo cáo Thường trực Tỉnh ủy để xem xét, chỉ đạo.",
        "Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp và các "
        "nguồn huy động hợp pháp khác.",
        "Định kỳ hằng năm tổ chức sơ kết, đánh giá kết quả thực hiện; kịp thời biểu dương, "
        "khen thưởng các tập thể, cá nhân có thành tích tiêu biểu.",
        "Người đứng đầu các cơ quan, đơn vị chịu trách nhiệm trước Ban Thường vụ Tỉnh ủy về "
        "kết quả thực hiện tại cơ quan, đơn vị mình.",
    ),
}

SUBSECTIONS_PER_PAGE = 2.8
"""Roughly how many sub-headings with their paragraphs fill one A4 page."""

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")


def section_plan(kind: str, pages: int) -> list[tuple[str, str, int]]:
    """(heading, sentence bank, number of sub-headings) for each section, sized so
    the last section ends close to the last page."""
    sections = _SECTIONS.get(kind, _SECTIONS["default"])
    per_section = max(1, round(pages * SUBSECTIONS_PER_PAGE / len(sections)))
    return [(heading, bank, per_section) for heading, bank in sections]


def body_blocks(kind: str, pages: int, rng: random.Random) -> Iterator[Block]:
    """An endless stream of body text for a document of `kind`: the planned
    sections, then further sub-headings of the last one for as long as the
    caller keeps asking (the layout stops when the pages are full)."""
    yield Block("paragraph", rng.choice(_OPENINGS))
    articles = count(1)
    plan = section_plan(kind, pages)
    for index, (heading, bank, subsections) in enumerate(plan):
        if kind == "QĐ":
            yield Block("section", f"Chương {_ROMAN[index]}\n{heading}")
        else:
            yield Block("section", f"{_ROMAN[index]}. {heading}")
        numbers = count(1)
        last = index == len(plan) - 1
        headings = _ARTICLES if kind == "QĐ" else _SUBHEADINGS
        while subsections > 0 or last:
            for subheading in _pick(headings, subsections or len(headings), rng):
                label = f"Điều {next(articles)}." if kind == "QĐ" else f"{next(numbers)}."
                yield Block("subsection", f"{label} {subheading}")
                for _ in range(rng.randint(1, 2)):
                    yield Block("paragraph", _paragraph(bank, rng))
            subsections = 0


def _pick(choices: tuple[str, ...], wanted: int, rng: random.Random) -> list[str]:
    """`wanted` entries, without repeats until every entry has been used once."""
    picked: list[str] = []
    while len(picked) < wanted:
        picked += rng.sample(choices, min(len(choices), wanted - len(picked)))
    return picked


def _paragraph(bank: str, rng: random.Random) -> str:
    sentences = _SENTENCES[bank]
    return " ".join(rng.sample(sentences, rng.randint(3, 5)))
