"""The visible stamp: placement, Vietnamese text that renders and extracts, the QR code."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from signing_helpers import OFFICE, REQUEST, require_tool

from signing.settings import (
    MIN_QR_SIDE,
    PadesProfile,
    SignerSettings,
    SignRequest,
    StampSettings,
)
from signing.signer import DocumentSigner
from signing.stamp import qr_matrix, stamp_lines

A4 = (595.28, 841.89)


def _widget_rect(data: bytes) -> list[float]:
    reader = PdfFileReader(BytesIO(data))
    annots = reader.root["/Pages"]["/Kids"][0].get_object()["/Annots"]
    widget = next(a.get_object() for a in annots
                  if a.get_object().get("/FT") == "/Sig" or "/Parent" in a.get_object()
                  or a.get_object().get("/Subtype") == "/Widget")
    return [float(v) for v in widget["/Rect"]]


def test_default_stamp_sits_in_the_bottom_right_margin(signed: dict[PadesProfile, bytes]) -> None:
    x1, y1, x2, y2 = _widget_rect(signed[PadesProfile.B_T])
    assert x2 <= A4[0] - 8 and y1 >= 8  # clear of a printer's unprintable edge
    assert y2 <= 25 * 72 / 25.4  # inside a 2.5 cm bottom margin: clear of the body text
    assert 150 <= x2 - x1 <= 215
    assert y2 - y1 >= MIN_QR_SIDE  # room for a QR code of 20 mm


def test_stamp_rect_and_office_name_are_configurable(
        make_settings: Callable[..., SignerSettings], sample_pdf: bytes, tmp_path: Path) -> None:
    stamp = StampSettings(rect=(40, 700, 240, 750), office_name="Văn phòng Tỉnh ủy Lào Cai")
    with DocumentSigner(make_settings(PadesProfile.B_B, stamp=stamp)) as signer:
        data = signer.sign(sample_pdf, REQUEST)
    assert _widget_rect(data) == [40, 700, 240, 750]
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    text = subprocess.run([require_tool("pdftotext"), "-f", "1", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Văn phòng Tỉnh ủy Lào Cai" in text


def test_stamp_text_extracts_with_diacritics(signed: dict[PadesProfile, bytes],
                                             tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed[PadesProfile.B_T])
    text = subprocess.run([require_tool("pdftotext"), "-f", "1", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert f"Ký số bởi: {OFFICE}" in text
    assert "Thời gian:" in text and "(GMT+07:00)" in text


def _dark_share_in_stamp_box(data: bytes, rect: list[float], tmp_path: Path, name: str
                             ) -> float:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    subprocess.run([require_tool("pdftoppm"), "-r", "100", "-png", "-f", "1", "-l", "1",
                    str(path), str(tmp_path / name)], check=True)
    image = Image.open(next(tmp_path.glob(f"{name}*.png"))).convert("L")
    scale, height = 100 / 72, image.height
    x1, y1, x2, y2 = rect
    box = image.crop((round(x1 * scale), round(height - y2 * scale),
                      round(x2 * scale), round(height - y1 * scale)))
    return sum(box.histogram()[:100]) / (box.width * box.height)


def test_stamp_renders_in_its_box_on_an_empty_margin(signed: dict[PadesProfile, bytes],
                                                     sample_pdf: bytes, tmp_path: Path) -> None:
    rect = _widget_rect(signed[PadesProfile.B_T])
    assert _dark_share_in_stamp_box(sample_pdf, rect, tmp_path, "unsigned") < 0.01
    assert _dark_share_in_stamp_box(signed[PadesProfile.B_T], rect, tmp_path, "signed") > 0.08


def test_stamp_lines_format_time_in_vietnam() -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    lines = stamp_lines(office="Văn phòng", signer="Nguyễn Văn A",
                        when=dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC),
                        tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert lines == ["Văn phòng", "Ký số bởi: Nguyễn Văn A",
                     "Thời gian: 02/03/2026 00:30:00 (GMT+07:00)"]


def test_qr_matrix_encodes_the_url() -> None:
    matrix = qr_matrix("http://127.0.0.1:5000/v/3f9a0c")
    assert len(matrix) == len(matrix[0]) >= 21
    assert all(matrix[r][c] for r in range(7) for c in (0, 6))  # a finder pattern


@pytest.mark.parametrize("request_", [SignRequest(), SignRequest(signer_name="Nguyễn Thị Bình")])
def test_stamp_without_qr_or_with_another_signer(make_settings: Callable[..., SignerSettings],
                                                 sample_pdf: bytes, tmp_path: Path,
                                                 request_: SignRequest) -> None:
    with DocumentSigner(make_settings(PadesProfile.B_B)) as signer:
        data = signer.sign(sample_pdf, request_)
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    text = subprocess.run([require_tool("pdftotext"), "-f", "1", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert f"Ký số bởi: {request_.signer_name or OFFICE}" in text
