"""View-only (MẬT) copies as page images: the browser is never sent the PDF.

PDFium renders each page of a copy once, clean, at a fixed width; the rendering
is kept on disk per copy (least recently used files are evicted past a bound).
Every request then draws a watermark of its own over the page: the delegate's
name, the copy number and the time of the view, so a photograph or a screen
capture still says whose view it was and when.

PDFium is not thread-safe, so one lock serialises it within a process.
"""

from __future__ import annotations

import io
import json
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from signing import Indication, TrustSettings, verify_pdf

from ..errors import N_, DomainError
from ..timezones import office_time, zone_named

__all__ = [
    "RENDER_WIDTH",
    "CopyVerdict",
    "PageCache",
    "PageNotInCopy",
    "Watermark",
    "page_cache",
    "render_page",
    "verify_copy",
    "view_time",
    "watermarked_page",
]

#: Width in pixels of every page rendering: A4 at 150 dpi, sharp on a phone's 2× screen.
RENDER_WIDTH = 1240
#: The format sent to the browser (see BENCHMARKS.md: the smallest of PNG, JPEG and WebP).
IMAGE_FORMAT = "webp"
IMAGE_MIMETYPE = "image/webp"
_WEBP_QUALITY = 75
#: libwebp effort 0–6: 2 is as small as 4 on text pages at half the time (BENCHMARKS.md).
_WEBP_METHOD = 2

_PDFIUM = threading.Lock()
_CLEAN_SUFFIX = ".png"
#: Degrees the watermark is turned, counter-clockwise.
_ANGLE = 30


class PageNotInCopy(DomainError):
    """A page number the copy does not have."""


@dataclass(frozen=True)
class Watermark:
    """What is written across every page of one view."""

    full_name: str
    """The delegate the view belongs to."""
    copy_label: str
    """"Bản số 07/55"."""
    viewed_at: str
    """The time of the view, already in the office's time zone and format."""

    @property
    def lines(self) -> tuple[str, ...]:
        return (self.full_name, self.copy_label, self.viewed_at)


@dataclass(frozen=True)
class CopyVerdict:
    """The signing library's verdict on a copy, as the delegate's viewer shows it."""

    valid: bool
    """The signature is intact, trusted and covers the whole file."""
    indication: str
    """The ETSI indication: TOTAL_PASSED, INDETERMINATE or TOTAL_FAILED."""
    explanation_vi: str
    explanation_en: str
    signer: str | None
    """The signing certificate's subject: the office."""
    timestamp: str | None
    """When the timestamp authority saw the signature (ISO 8601), if it did."""
    copy_number: str | None
    """The copy number the signature covers, "7/55"."""
    this_copy: bool
    """The verified bytes are this copy's, and the signed metadata names it."""
    page_count: int
    """Pages in the signed file."""


def render_page(pdf_path: Path, page: int, width: int = RENDER_WIDTH) -> Image.Image:
    """Page ``page`` (from 1) of a PDF as an RGB image ``width`` pixels wide."""
    if page < 1:
        raise PageNotInCopy(N_("Page %(page)s is not in this copy."), page=page)
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf_path)
        try:
            if page > len(document):
                raise PageNotInCopy(N_("Page %(page)s is not in this copy."), page=page)
            pdf_page = document[page - 1]
            try:
                bitmap = pdf_page.render(scale=width / pdf_page.get_width(), may_draw_forms=True)
                image = bitmap.to_pil().convert("RGB")
            finally:
                pdf_page.close()
        finally:
            document.close()
    return image


def count_pages(pdf_path: Path) -> int:
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf_path)
        try:
            return len(document)
        finally:
            document.close()


# --- the watermark ------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _font(font_path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path, size)


@lru_cache(maxsize=16)
def _overlay(lines: tuple[str, ...], size: tuple[int, int], font_path: str) -> Image.Image:
    """The watermark for a page of ``size``: the lines, diagonal, repeated, semi-transparent.

    One block of text is drawn and turned 30°, then placed on a staggered grid
    that is turned by the same angle about the page's centre: the rows run parallel.
    """
    width, height = size
    font = _font(font_path, max(14, width // 42))
    boxes = [font.getbbox(line) for line in lines]
    line_height = max(b[3] - b[1] for b in boxes) + font.size // 3
    block_width = max(b[2] - b[0] for b in boxes)
    block_height = line_height * len(lines)
    block = Image.new("RGBA", (block_width, block_height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(block)
    for n, line in enumerate(lines):
        indent = (block_width - (boxes[n][2] - boxes[n][0])) // 2 - boxes[n][0]
        draw.text((indent, n * line_height - boxes[n][1]), line, font=font,
                  fill=(176, 28, 28, 64))
    tile = block.rotate(_ANGLE, expand=True, resample=Image.Resampling.BICUBIC)
    overlay = Image.new("RGBA", size, (0, 0, 0, 0))
    step_x = block_width + width // 6
    step_y = block_height + height // 9
    reach = math.hypot(width, height) / 2 + max(step_x, step_y)
    cos, sin = math.cos(math.radians(_ANGLE)), math.sin(math.radians(_ANGLE))
    rows = int(reach // step_y) + 1
    columns = int(reach // step_x) + 1
    for row in range(-rows, rows + 1):
        for column in range(-columns, columns + 1):
            x = column * step_x + (step_x // 2) * (row % 2)
            y = row * step_y
            left = round(width / 2 + x * cos + y * sin - tile.width / 2)
            top = round(height / 2 - x * sin + y * cos - tile.height / 2)
            if left < width and top < height and left + tile.width > 0 and top + tile.height > 0:
                overlay.alpha_composite(tile, dest=(max(left, 0), max(top, 0)),
                                        source=(max(-left, 0), max(-top, 0)))
    return overlay


def watermarked_page(clean: Image.Image, watermark: Watermark, font_path: Path) -> bytes:
    """The clean rendering with the view's watermark over it, encoded for the browser."""
    page = clean.convert("RGBA")
    page.alpha_composite(_overlay(watermark.lines, page.size, str(font_path)))
    out = io.BytesIO()
    page.convert("RGB").save(out, IMAGE_FORMAT, quality=_WEBP_QUALITY, method=_WEBP_METHOD)
    return out.getvalue()


# --- the cache ----------------------------------------------------------------------------


class PageCache:
    """Clean page renderings and verdicts, per copy, bounded in bytes (LRU by mtime).

    Files are written whole (a temporary name, then renamed) so a reader never
    sees half a file; a hit touches the file so it counts as recently used.
    """

    def __init__(self, directory: Path, max_bytes: int, width: int = RENDER_WIDTH) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.width = width
        self._evicting = threading.Lock()

    def _copy_dir(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256")
        return self.directory / sha256[:2] / sha256

    def clean_page(self, sha256: str, pdf_path: Path, page: int) -> Image.Image:
        """The page's clean rendering: from the cache, or rendered and kept."""
        path = self._copy_dir(sha256) / f"w{self.width}-p{page:05d}{_CLEAN_SUFFIX}"
        try:
            with path.open("rb") as cached:
                image = Image.open(cached)
                image.load()
            os.utime(path)
            return image
        except (FileNotFoundError, OSError, Image.UnidentifiedImageError):
            pass
        image = render_page(pdf_path, page, self.width)
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=3)
        self._store(path, out.getvalue())
        return image

    def verdict(self, sha256: str, compute: Any) -> CopyVerdict:
        """The copy's verdict, computed once by ``compute()`` and kept next to its pages."""
        path = self._copy_dir(sha256) / "verdict.json"
        try:
            kept = CopyVerdict(**json.loads(path.read_text(encoding="utf-8")))
            os.utime(path)
            return kept
        except (FileNotFoundError, ValueError, TypeError):
            pass
        verdict: CopyVerdict = compute()
        self._store(path, json.dumps(asdict(verdict), ensure_ascii=False).encode())
        return verdict

    def size(self) -> int:
        return sum(size for _, _, size in self._files())

    def _store(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)
        self._evict()

    def _files(self) -> list[tuple[float, Path, int]]:
        found = []
        for root, _dirs, names in os.walk(self.directory):
            for name in names:
                path = Path(root) / name
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                found.append((stat.st_mtime, path, stat.st_size))
        return found

    def _evict(self) -> None:
        """Delete the least recently used files until the cache is within its bound."""
        with self._evicting:
            files = self._files()
            total = sum(size for _, _, size in files)
            for _, path, size in sorted(files, key=lambda f: f[0]):
                if total <= self.max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size


def page_cache(config: Mapping[str, Any], instance_path: str) -> PageCache:
    """The cache the configuration names (``PAGE_IMAGE_CACHE_DIR``, ``..._MAX_BYTES``)."""
    directory = config.get("PAGE_IMAGE_CACHE_DIR") or os.path.join(instance_path, "page-cache")
    return _cache_for(str(directory), int(config.get("PAGE_IMAGE_CACHE_MAX_BYTES",
                                                     512 * 1024 * 1024)))


@lru_cache(maxsize=8)
def _cache_for(directory: str, max_bytes: int) -> PageCache:
    return PageCache(Path(directory), max_bytes)


def view_time(at: datetime, zone: str) -> str:
    """"07/12/2026 14:05" in the office's time zone (its IANA name)."""
    return office_time(at, zone_named(zone)).strftime("%d/%m/%Y %H:%M")


def verify_copy(pdf_path: Path, copy_id: int, trust: TrustSettings) -> CopyVerdict:
    """Verify a signed copy as an auditor would, and say whether it is this copy."""
    data = pdf_path.read_bytes()
    report = verify_pdf(data, trust)
    signature = next((s for s in report.signatures if s.kind == "signature"), None)
    metadata = report.copy_metadata
    return CopyVerdict(
        valid=report.indication is Indication.TOTAL_PASSED,
        indication=report.indication.value,
        explanation_vi=report.explanation_vi, explanation_en=report.explanation_en,
        signer=_common_name(signature.signer) if signature else None,
        timestamp=signature.timestamp.time if signature and signature.timestamp else None,
        copy_number=metadata.get("MeetingsvcCopyNumber"),
        this_copy=metadata.get("MeetingsvcCopyId") == str(copy_id),
        page_count=count_pages(pdf_path),
    )


def _common_name(subject: str | None) -> str | None:
    """"Văn phòng Tỉnh ủy" from "Common Name: Văn phòng Tỉnh ủy, Organization: ..."."""
    if subject and subject.startswith("Common Name: "):
        return subject.removeprefix("Common Name: ").split(", ")[0]
    return subject
