"""Page images for view-only (MẬT) copies: PDFium (pypdfium2) against poppler's pdftoppm.

Run from the repository root::

    .venv/bin/python bench/render_pages.py             # a 20-page demo document, 3 rounds
    .venv/bin/python bench/render_pages.py --pages 40 --rounds 5

In one process it renders a 20-page demo document (Vietnamese text, Party
document margins), then measures, on one core, each page rendered at the
viewer's fixed width (1240 px):

* pypdfium2 — what the service does: :func:`render_page` per page (open, render,
  close), the clean image in memory;
* baseline — poppler's ``pdftoppm`` run per page at the same width, PNG to a pipe
  (the usual way to call poppler from Python).

Then the first page as a delegate waits for it: a cold cache (render, keep,
watermark, encode) and a warm one (read, watermark, encode), and the size of one
watermarked page in PNG, JPEG and WebP. The last line is
``pdfium_ms_per_page=<x> pdftoppm_ms_per_page=<y> ratio=<y/x> first_page_ms=<z>``.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from meetingsvc.demo.pdfs import render_generic_pdf  # noqa: E402
from meetingsvc.tracking.page_images import (  # noqa: E402
    RENDER_WIDTH,
    PageCache,
    Watermark,
    count_pages,
    render_page,
    watermarked_page,
)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
WATERMARK = Watermark("Nguyễn Thị Hồng Nhung", "Bản số 07/55", "07/12/2026 14:05")


def pdfium_pass(path: Path, pages: int) -> float:
    started = time.perf_counter()
    for page in range(1, pages + 1):
        render_page(path, page, RENDER_WIDTH)
    return time.perf_counter() - started


def pdftoppm_pass(path: Path, pages: int) -> float:
    started = time.perf_counter()
    for page in range(1, pages + 1):
        png = subprocess.run(["pdftoppm", "-png", "-f", str(page), "-l", str(page),
                              "-scale-to-x", str(RENDER_WIDTH), "-scale-to-y", "-1",
                              "-singlefile", str(path)], check=True, capture_output=True).stdout
        Image.open(io.BytesIO(png)).load()
    return time.perf_counter() - started


def first_page_ms(path: Path, directory: Path) -> tuple[float, float]:
    """A delegate's first page: cold (nothing cached) and warm (the clean page on disk)."""
    cache = PageCache(directory, 512 * 1024 * 1024)
    sha = "ab" * 32
    started = time.perf_counter()
    watermarked_page(cache.clean_page(sha, path, 1), WATERMARK, FONT)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    watermarked_page(cache.clean_page(sha, path, 1), WATERMARK, FONT)
    warm = time.perf_counter() - started
    return cold * 1000, warm * 1000


def sizes(path: Path) -> dict[str, tuple[int, float]]:
    """KiB and ms to encode one watermarked page in each format the browser takes."""
    page = render_page(path, 1)
    marked = Image.open(io.BytesIO(watermarked_page(page, WATERMARK, FONT))).convert("RGB")
    found = {}
    for name, options in (("PNG", {"compress_level": 6}), ("JPEG", {"quality": 80}),
                          ("WEBP", {"quality": 75, "method": 2})):
        out = io.BytesIO()
        started = time.perf_counter()
        marked.save(out, name, **options)
        found[name] = (len(out.getvalue()) // 1024, (time.perf_counter() - started) * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "document.pdf"
        path.write_bytes(render_generic_pdf("Báo cáo kiểm tra", pages=args.pages, seed=7))
        pages = count_pages(path)
        cold, warm = first_page_ms(path, Path(scratch) / "cache")
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(pdfium_pass(path, pages) / pages * 1000)
            theirs.append(pdftoppm_pass(path, pages) / pages * 1000)
        print(f"document: {pages} pages, rendered {RENDER_WIDTH} px wide, {args.rounds} rounds")
        print(f"pypdfium2: {statistics.median(ours):.1f} ms/page (median of rounds)")
        print(f"pdftoppm:  {statistics.median(theirs):.1f} ms/page (median of rounds)")
        print(f"first page, cold cache (render, keep, watermark, encode): {cold:.0f} ms")
        print(f"first page, warm cache (read, watermark, encode): {warm:.0f} ms")
        for name, (kib, ms) in sizes(path).items():
            print(f"one watermarked page as {name}: {kib} KiB, encoded in {ms:.0f} ms")
        ratio = statistics.median(theirs) / statistics.median(ours)
        print(f"pdfium_ms_per_page={statistics.median(ours):.1f} "
              f"pdftoppm_ms_per_page={statistics.median(theirs):.1f} ratio={ratio:.2f} "
              f"first_page_ms={cold:.0f}")


if __name__ == "__main__":
    main()
