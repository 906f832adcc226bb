"""The office's signature stamp on issued files, looked at as a reader and a scanner see it.

* its QR code is at least 20 mm wide in the file, and decodes, from a 150 dpi rendering
  of the page (a scan of a printout), to the copy's public verification link;
* it names the copy as the delegate sees it ("Bản số 01/05"), and no page prints an
  internal id;
* it overlaps nothing the page prints itself: "Trang 1/N" and the footer of the packet's
  cover, the copy stamp and the page number of a document's first page.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
import zxingcpp
from PIL import Image

from meetingsvc.issuance.models import IssuedCopy
from signing.settings import MIN_QR_SIDE
from tests.issuance.pdf.conftest import Word, pdftotext, words, write
from tests.tracking.conftest import item_copy, packet_of

MM = 72 / 25.4
SCAN_DPI = 150
BASE_URL = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL of the issuance tests


@dataclass(frozen=True)
class Stamp:
    """The signature widget on page 1, in points: PDF user space and the reader's view."""

    rect: tuple[float, float, float, float]
    """(x1, y1, x2, y2), origin at the bottom left."""
    page_height: float

    @property
    def box(self) -> Word:
        """The rectangle as pdftotext's word boxes are given (origin top left)."""
        x1, y1, x2, y2 = self.rect
        return Word("", x1, self.page_height - y2, x2, self.page_height - y1)

    def holds(self, word: Word) -> bool:
        box = self.box
        return box.x0 - 0.5 <= word.x0 and word.x1 <= box.x1 + 0.5 and \
            box.y0 - 0.5 <= word.y0 and word.y1 <= box.y1 + 0.5


def signature_stamp(path: Path) -> tuple[Stamp, pikepdf.Dictionary]:
    """The signature widget of page 1 and its appearance stream."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        widget = next(a for a in page.obj.get("/Annots", [])
                      if a.get("/Subtype") == "/Widget" and a.get("/FT") == "/Sig")
        rect = tuple(float(v) for v in widget.Rect)
        height = float(page.mediabox[3]) - float(page.mediabox[1])
        return Stamp(rect, height), qr_side_in_appearance(widget.AP.N)  # type: ignore[return-value]


def qr_side_in_appearance(form: pikepdf.Stream) -> float:
    """Width, in points, of the QR code the appearance draws: the extent of its module
    rectangles (the smallest ``re`` drawn, and every one of that height)."""
    rects = list(_rects(form, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)))
    unit = min(h for _, _, _, h in rects)
    modules = [r for r in rects if abs(r[3] - unit) < 1e-6]
    return max(x + w for x, _, w, _ in modules) - min(x for x, _, _, _ in modules)


def _rects(form: pikepdf.Stream, scale: tuple[float, ...]):
    matrix = [float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0])]
    assert matrix[1] == matrix[2] == 0, "the stamp is not rotated"
    sx = scale[0] * matrix[0]
    sy = scale[3] * matrix[3]
    xobjects = form.get("/Resources", {}).get("/XObject", {})
    for operands, operator in pikepdf.parse_content_stream(form):
        if str(operator) == "re":
            x, y, w, h = (float(v) for v in operands)
            yield x * sx, y * sy, w * sx, h * sy
        elif str(operator) == "Do":
            inner = xobjects[str(operands[0])]
            if inner.get("/Subtype") == "/Form":
                yield from _rects(inner, (sx, 0, 0, sy, 0, 0))


def scan(path: Path, tmp_path: Path) -> Image.Image:
    """Page 1 as a 150 dpi scan of its printout would show it."""
    prefix = tmp_path / f"{path.stem}-scan"
    subprocess.run(["pdftoppm", "-r", str(SCAN_DPI), "-png", "-f", "1", "-l", "1",
                    str(path), str(prefix)], check=True)
    return Image.open(next(tmp_path.glob(f"{prefix.name}*.png"))).convert("L")


def fetch(client, url: str, tmp_path: Path, name: str) -> Path:
    with client.get(url) as response:
        assert response.status_code == 200, url
        return write(tmp_path, name, response.data)


@pytest.fixture
def files(client, sign_in, session, prepared, issued, tmp_path) -> dict[str, tuple[Path,
                                                                                   IssuedCopy]]:
    """A delegate's packet and their copy of the report, as they download them."""
    delegate = prepared.members[2]
    sign_in(delegate)
    meeting = prepared.meeting.id
    report = item_copy(session, delegate, prepared.documents["report"])
    return {
        "packet": (fetch(client, f"/meetings/{meeting}/my/packet.pdf", tmp_path, "packet.pdf"),
                   packet_of(session, delegate)),
        "report": (fetch(client, f"/meetings/{meeting}/my/copies/{report.id}.pdf", tmp_path,
                         "report.pdf"), report),
    }


@pytest.mark.parametrize("kind", ["packet", "report"])
def test_the_qr_code_is_20_mm_and_scans_at_150_dpi(files, kind, tmp_path):
    path, copy = files[kind]
    stamp, side = signature_stamp(path)
    assert side >= MIN_QR_SIDE - 1e-6, f"{side / MM:.1f} mm"
    x1, y1, x2, y2 = stamp.rect
    assert side <= y2 - y1  # inside the stamp

    image = scan(path, tmp_path)
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in found] == [f"{BASE_URL}/v/{copy.verification_token}"]
    corners = found[0].position
    width_px = max(corners.top_right.x, corners.bottom_right.x) - \
        min(corners.top_left.x, corners.bottom_left.x)
    assert width_px * 25.4 / SCAN_DPI >= 20 - 25.4 / SCAN_DPI  # 20 mm, within a pixel


@pytest.mark.parametrize("kind", ["packet", "report"])
def test_the_stamp_shows_the_copy_number_the_delegate_sees(files, kind):
    path, copy = files[kind]
    stamp, _ = signature_stamp(path)
    in_stamp = " ".join(w.text for w in words(path, 1) if stamp.holds(w))
    assert copy.label in in_stamp  # "Bản số 03/05" for the report, "Bản số 03/06" the packet
    assert "Ký số bởi" in in_stamp
    text = pdftotext(path)
    assert f"#{copy.id}" not in text and "Mã bản: #" not in text


@pytest.mark.parametrize("kind", ["packet", "report"])
def test_the_stamp_overlaps_nothing_the_page_prints(files, kind):
    path, copy = files[kind]
    stamp, _ = signature_stamp(path)
    page = words(path, 1)
    own = [w for w in page if not stamp.holds(w)]
    assert own, "the page prints its own text"
    clashes = [w.text for w in own if w.overlaps(stamp.box)]
    assert not clashes, f"the signature covers {clashes}"
    if kind == "packet":
        # The cover's own stamp: "Bản số 03/06" and "Trang 1/8", clear of the signature.
        with pikepdf.open(path) as pdf:
            total = len(pdf.pages)
        line = [w for w in own if w.text in ("Trang", f"1/{total}")]
        assert [w.text for w in line] == ["Trang", f"1/{total}"]
        footer = [w for w in own if w.y0 > stamp.box.y0 - 20]
        assert footer and all(w.x1 < stamp.box.x0 for w in footer)
    else:
        # The document's own page number at the foot, and the copy stamp's trace line.
        bottom = [w for w in own if w.y0 > stamp.box.y0]
        assert "1" in [w.text for w in bottom]
        assert any(w.text == "Bản" for w in bottom)
