"""Copy stamping: our prepare-once / personalise-per-copy against the obvious overlay.

Run from the repository root::

    .venv/bin/python bench/stamp_copies.py               # 200 copies, about 10 seconds
    .venv/bin/python bench/stamp_copies.py --copies 1000

In one process it renders a 20-page demo document (Vietnamese text, Party
document margins), then measures on one core:

* ours — :func:`prepare_document` once, then :func:`personalise` per copy;
* baseline — what one writes first: per copy, a reportlab overlay PDF with the
  same text (DejaVu Sans registered for each copy, as a function doing the
  whole job does), merged onto every page with pikepdf's ``add_overlay``.

Every output is written in full (bytes returned), and copies differ in number
and delegate name, so nothing is cached between them. The last line is
``stamp_ms_per_copy=<x> baseline_ms_per_copy=<y> speedup=<z>``.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pikepdf  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from meetingsvc.demo.pdfs import render_generic_pdf  # noqa: E402
from meetingsvc.issuance.pdf import (  # noqa: E402
    CopyStamp,
    copy_label,
    personalise,
    prepare_document,
)

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MEETING_LINE = "Ban Chấp hành Đảng bộ tỉnh · Hội nghị lần thứ 12 · 07/12/2026"
NAMES = ("Nguyễn Thị Hồng Nhung", "Trần Văn Quý", "Lê Hoàng Phương Thảo", "Đặng Đức Lượng",
         "Huỳnh Ngọc Ánh", "Phạm Quốc Việt", "Võ Thị Kiều Oanh", "Bùi Xuân Trường")
MM = 72 / 25.4


def stamp_for(number: int, total: int) -> CopyStamp:
    return CopyStamp(confidentiality_mark="MẬT", meeting_line=MEETING_LINE,
                     copy_number=number, copy_total=total,
                     delegate_name=NAMES[number % len(NAMES)], copy_id=f"C{number:06d}")


def naive_copy(source: bytes, stamp: CopyStamp, font_dir: Path) -> bytes:
    """The baseline: a reportlab overlay made for this copy, merged page by page."""
    pdfmetrics.registerFont(TTFont("StampSans", str(font_dir / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("StampSansBold", str(font_dir / "DejaVuSans-Bold.ttf")))
    with pikepdf.open(io.BytesIO(source)) as pdf:
        total = len(pdf.pages)
        overlay_buffer = io.BytesIO()
        drawing = canvas.Canvas(overlay_buffer)
        for number, page in enumerate(pdf.pages, start=1):
            _, _, width, height = (float(v) for v in page.mediabox)
            drawing.setPageSize((width, height))
            top1, top2 = height - 9 * MM, height - 13.5 * MM
            drawing.setFillColorRGB(0.78, 0, 0)
            drawing.setFont("StampSansBold", 8.5)
            drawing.drawString(12 * MM, top1, stamp.confidentiality_mark)
            drawing.setFillColorRGB(0, 0, 0)
            drawing.setFont("StampSans", 8)
            drawing.drawString(30 * MM, top1, stamp.meeting_line)
            drawing.drawRightString(width - 12 * MM, top1,
                                    copy_label(stamp.copy_number, stamp.copy_total))
            drawing.drawString(12 * MM, top2, f"Cấp cho: {stamp.delegate_name}")
            drawing.drawRightString(width - 12 * MM, top2, f"Trang {number}/{total}")
            drawing.setFont("StampSans", 6.5)
            drawing.drawString(12 * MM, 6 * MM, f"{stamp.delegate_name} · {stamp.copy_id}")
            drawing.showPage()
        drawing.save()
        with pikepdf.open(io.BytesIO(overlay_buffer.getvalue())) as overlay:
            for page, overlay_page in zip(pdf.pages, overlay.pages, strict=True):
                page.add_overlay(overlay_page)
            out = io.BytesIO()
            pdf.save(out, compress_streams=True)
    return out.getvalue()


def per_copy_ms(make: object, count: int) -> float:
    """Milliseconds per call of ``make(number)``, over ``count`` calls."""
    assert callable(make)
    make(1)  # warm up imports and caches
    started = time.perf_counter()
    for number in range(1, count + 1):
        make(number)
    return (time.perf_counter() - started) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=200, help="copies for ours (200)")
    parser.add_argument("--baseline-copies", type=int, default=30,
                        help="copies for the baseline, which is slower (30)")
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--font-dir", type=Path, default=DEFAULT_FONT_DIR)
    args = parser.parse_args()

    source = render_generic_pdf("Báo cáo tình hình kinh tế - xã hội năm 2026", args.pages, 0)
    started = time.perf_counter()
    prepared = prepare_document(source, font_dir=args.font_dir)
    prepare_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    prepare_document(source, font_dir=args.font_dir)
    prepare_again_ms = (time.perf_counter() - started) * 1000
    total = args.copies
    sample = personalise(prepared, stamp_for(7, total))
    print(f"source: {args.pages} pages, {len(source) / 1024:.0f} KiB; "
          f"copy: {len(sample) / 1024:.0f} KiB")
    print(f"prepare_document: {prepare_ms:.0f} ms first (font subsets made), "
          f"{prepare_again_ms:.0f} ms for another document")

    ours = per_copy_ms(lambda n: personalise(prepared, stamp_for(n, total)), args.copies)
    print(f"ours:     {ours:6.2f} ms per copy, {1000 / ours:7.1f} copies/s ({args.copies} copies)")
    baseline = per_copy_ms(lambda n: naive_copy(source, stamp_for(n, total), args.font_dir),
                           args.baseline_copies)
    print(f"baseline: {baseline:6.2f} ms per copy, {1000 / baseline:7.1f} copies/s "
          f"({args.baseline_copies} copies)")
    congress = 12_000 * ours / 1000 / 2
    print(f"congress (12,000 copies of {args.pages} pages) on 2 cores: "
          f"{congress:.0f} s of stamping")
    print(f"stamp_ms_per_copy={ours:.2f} baseline_ms_per_copy={baseline:.2f} "
          f"speedup={baseline / ours:.1f}")


if __name__ == "__main__":
    main()
