"""The cover sheet and agenda on their own: the style of each line, text that survives
extraction, and the once-per-process work that keeps a congress's 400 covers fast."""

from __future__ import annotations

import gc
import io
import os
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pikepdf
import pytest

from meetingsvc.issuance.pdf import (
    PacketDocument,
    PacketInfo,
    PacketItem,
    render_cover_and_agenda,
)
from meetingsvc.issuance.pdf import cover as cover_module

from .conftest import DELEGATE, pdftotext, qpdf_check, write

TITLE = ("Báo cáo tình hình kinh tế – xã hội 9 tháng đầu năm 2026; "
         "nhiệm vụ trọng tâm thời gian tới")
PRESENTER = "Lê Quang Minh, Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh"

ITEMS = (
    PacketItem(1, "Khai mạc hội nghị", "đồng chí Bí thư Tỉnh ủy",
               (PacketDocument("08-CTr/TU", "Chương trình hội nghị", "", 2),)),
    PacketItem(2, TITLE, PRESENTER,
               (PacketDocument("15-BC/TU", "Báo cáo kinh tế – xã hội 9 tháng", "MẬT", 12),
                PacketDocument("16-NQ/TU", "Dự thảo Nghị quyết", "", 4))),
    PacketItem(3, "Bế mạc hội nghị", "", ()),
)


def _packet(**overrides: object) -> PacketInfo:
    fields: dict[str, object] = dict(
        body_name="Ban Chấp hành Đảng bộ tỉnh", session_number=12,
        meeting_title="Kiểm điểm công tác năm 2026, quyết định nhiệm vụ năm 2027",
        starts_at=datetime(2026, 12, 7, 7, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        place="Hội trường Tỉnh ủy", delegate_name=DELEGATE,
        delegate_title="Tỉnh ủy viên, Giám đốc Sở Tài chính", copy_number=7, copy_total=400,
        items=ITEMS, copy_id="K7Q2-9XM4", organisation="ĐẢNG BỘ TỈNH SƠN HÀ",
        issued_place="Sơn Hà", issued_on=date(2026, 12, 1))
    fields.update(overrides)
    return PacketInfo(**fields)  # type: ignore[arg-type]


_BFCHAR = re.compile(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>")


def _style(base_font: str) -> str:
    """ "B", "I" or "" for a DejaVu Serif face, from its PostScript name."""
    return "B" if base_font.endswith("Bold") else "I" if base_font.endswith("Italic") else ""


def _text_runs(data: bytes, page: int) -> list[tuple[str, str]]:
    """(style, text) of every string shown on ``page`` (0-based), in drawing order.

    Read from the content stream, so each line keeps the font it was set in
    (pdftotext and pdffonts do not say which font a word uses)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fonts: dict[str, tuple[str, dict[int, str]]] = {}
        for name, font in pdf.pages[page].Resources.Font.items():
            to_unicode = {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
                          for code, text in _BFCHAR.findall(font.ToUnicode.read_bytes())}
            fonts[name] = (_style(str(font.BaseFont)), to_unicode)
        runs: list[tuple[str, str]] = []
        current: tuple[str, dict[int, str]] = ("?", {})
        for instruction in pikepdf.parse_content_stream(pdf.pages[page]):
            if not isinstance(instruction, pikepdf.ContentStreamInstruction):
                continue
            operands, operator = instruction.operands, instruction.operator
            if operator == pikepdf.Operator("Tf"):
                current = fonts[str(operands[0])]
            elif operator in (pikepdf.Operator("Tj"), pikepdf.Operator("TJ")):
                strings = operands[0] if operator == pikepdf.Operator("TJ") else operands
                raw = b"".join(bytes(s) for s in strings if isinstance(s, pikepdf.String))
                style, to_unicode = current
                runs.append((style, "".join(to_unicode[int.from_bytes(raw[i:i + 2])]
                                            for i in range(0, len(raw), 2))))
        return runs


def _lines_of(runs: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
    """The consecutive runs that together show ``text``, wrapped over one or more lines."""
    for start, (_, first) in enumerate(runs):
        if first and text.startswith(first):
            lines = [runs[start]]
            while " ".join(t for _, t in lines) != text and start + len(lines) < len(runs):
                lines.append(runs[start + len(lines)])
            if " ".join(t for _, t in lines) == text:
                return lines
    raise AssertionError(f"{text!r} is not shown as consecutive lines: {runs}")


def test_wrapped_presenter_stays_italic_under_a_bold_title(font_dir: Path) -> None:
    runs = _text_runs(render_cover_and_agenda(_packet(), font_dir=font_dir), 1)

    title = _lines_of(runs, TITLE)
    presenter = _lines_of(runs, f"Trình bày: {PRESENTER}")
    assert len(title) >= 2 and len(presenter) >= 2, "the sample must wrap both"
    assert presenter[-1][1] == "UBND tỉnh"
    assert {style for style, _ in title} == {"B"}, title
    assert {style for style, _ in presenter} == {"I"}, presenter
    assert _lines_of(runs, "Trình bày: đồng chí Bí thư Tỉnh ủy") == [
        ("I", "Trình bày: đồng chí Bí thư Tỉnh ủy")]
    assert _lines_of(runs, "Bế mạc hội nghị") == [("B", "Bế mạc hội nghị")]


def test_text_is_extractable_with_its_vietnamese_and_foreign_letters(
        font_dir: Path, tmp_path: Path) -> None:
    """Letters outside the Vietnamese set (a Russian guest, a "≤") print as from the whole
    face, not dropped by the cut-down fonts."""
    guest = "Алексей Петров (Ελένη)"
    info = _packet(delegate_name=guest, delegate_title="Khách mời, đoàn ≤ 5 người")
    path = write(tmp_path, "front.pdf", render_cover_and_agenda(info, font_dir=font_dir))
    qpdf_check(path)
    cover = " ".join(pdftotext(path, 1).split())
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "Sơn Hà, ngày 01 tháng 12 năm 2026",
                     "HỘI NGHỊ LẦN THỨ 12", guest, "Khách mời, đoàn ≤ 5 người",
                     "Độ mật cao nhất: MẬT"):
        assert expected in cover, expected
    agenda = " ".join(pdftotext(path, 2).split())
    assert "Báo cáo tình hình kinh tế – xã hội 9 tháng đầu năm 2026;" in agenda
    assert f"Trình bày: {PRESENTER}" in agenda


def test_fonts_and_agenda_are_prepared_once_per_process(font_dir: Path) -> None:
    render_cover_and_agenda(_packet(), font_dir=font_dir)
    fonts = cover_module._font_program.cache_info()
    agendas = cover_module._agenda_layout.cache_info()
    for number, name in enumerate(["Trần Văn Đức", "Phạm Thị Ánh Tuyết", "Hồ Ngọc Hà"], 1):
        render_cover_and_agenda(_packet(delegate_name=name, copy_number=number),
                                font_dir=font_dir)
    assert cover_module._font_program.cache_info().misses == fonts.misses
    assert cover_module._agenda_layout.cache_info().misses == agendas.misses


def _resident_bytes() -> int:
    statm = Path("/proc/self/statm")
    if not statm.exists():
        pytest.skip("needs /proc/self/statm (Linux)")
    return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
def test_memory_does_not_grow_over_many_covers(font_dir: Path) -> None:
    info = _packet(items=ITEMS[:1])
    objects, resident = [], []
    for number in range(1, 301):
        render_cover_and_agenda(replace(info, copy_number=number), font_dir=font_dir)
        if number % 25 == 0:  # a sheet's fonts hold reference cycles
            gc.collect()
        if number in (100, 300):  # the first hundred fill the caches and the allocator
            objects.append(len(gc.get_objects()))
            resident.append(_resident_bytes())
    # A sheet's fonts alone are some 1,000 objects and 0.5 MB: a leak of them would
    # show as hundreds of thousands of objects and about 100 MB.
    assert objects[1] - objects[0] < 2_000, objects
    assert resident[1] - resident[0] < 8 * 2**20, resident
