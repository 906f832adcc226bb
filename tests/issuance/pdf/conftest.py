"""Fixtures for the PDF half of issuing: a realistic source document, and helpers that
look at results the way a reader's tools do (poppler's pdftotext, qpdf --check)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

from meetingsvc.demo.pdfs import render_generic_pdf
from meetingsvc.issuance.pdf import CopyStamp, PreparedDocument, prepare_document

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MEETING_LINE = "Ban Chấp hành Đảng bộ tỉnh · Hội nghị lần thứ 12 · 07/12/2026"
DELEGATE = "Nguyễn Thị Hồng Nhung"


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian: poppler-utils, qpdf)")


@pytest.fixture(scope="session")
def font_dir() -> Path:
    if not (FONT_DIR / "DejaVuSans.ttf").exists():
        pytest.skip("DejaVu fonts are not installed (Debian: fonts-dejavu-core)")
    return FONT_DIR


@pytest.fixture(scope="session")
def source_pdf() -> bytes:
    """A 20-page report laid out like a Party document (30/20/25/25 mm margins)."""
    return render_generic_pdf("Báo cáo tình hình kinh tế - xã hội năm 2026", 20, 0)


@pytest.fixture(scope="session")
def prepared_source(source_pdf: bytes, font_dir: Path) -> PreparedDocument:
    return prepare_document(source_pdf, font_dir=font_dir)


@pytest.fixture(scope="session")
def three_papers(font_dir: Path) -> list[PreparedDocument]:
    """Three 3-page papers from the same software, each with font subsets for its text."""
    return [prepare_document(render_generic_pdf(f"Báo cáo {seed}", 3, seed), font_dir=font_dir)
            for seed in (1, 2, 3)]


def make_stamp(copy_number: int = 7, copy_total: int = 55, *, mark: str = "MẬT",
               name: str = DELEGATE, copy_id: str = "K7Q2-9XM4") -> CopyStamp:
    return CopyStamp(confidentiality_mark=mark, meeting_line=MEETING_LINE,
                     copy_number=copy_number, copy_total=copy_total, delegate_name=name,
                     copy_id=copy_id)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pdftotext(path: Path, page: int | None = None, *, layout: bool = False) -> str:
    _need("pdftotext")
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if layout:
        args.append("-layout")
    return subprocess.run([*args, str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def render_png(path: Path, page: int, out: Path) -> bytes:
    """``page`` (1-based) as poppler draws it at 50 dpi, the PNG's bytes."""
    _need("pdftoppm")
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", "-f", str(page),
                    "-l", str(page), str(path), str(out)], check=True)
    return out.with_suffix(".png").read_bytes()


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    """Top-left origin, y down, in the page as the reader sees it (crop box, rotated)."""

    def overlaps(self, other: Word) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and \
            self.y0 < other.y1 and other.y0 < self.y1


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')


def words(path: Path, page: int) -> list[Word]:
    """Every word pdftotext finds on ``page`` (1-based), with its box."""
    _need("pdftotext")
    html = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-cropbox", "-bbox", "-f", str(page), "-l", str(page),
         str(path), "-"], check=True, capture_output=True, text=True).stdout
    return [Word(unescape(m[5]), float(m[1]), float(m[2]), float(m[3]), float(m[4]))
            for m in _WORD.finditer(html)]


def added_words(before: list[Word], after: list[Word]) -> list[Word]:
    """Words in ``after`` that ``before`` did not have at the same place: the stamp."""
    seen = {(w.text, round(w.x0), round(w.y0)) for w in before}
    return [w for w in after if (w.text, round(w.x0), round(w.y0)) not in seen]


def qpdf_check(path: Path) -> None:
    _need("qpdf")
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout
