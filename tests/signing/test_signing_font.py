"""The once-per-process font subset shared by the signature stamp and the copy stamp."""

from __future__ import annotations

import re
import unicodedata
import zlib

import pytest

from signing.font import FALLBACK, VIETNAMESE_CHARSET, StampFont, _load, load_stamp_font
from signing.settings import DEFAULT_FONT

VIETNAMESE = "Nguyễn Thị Hồng Nhung · Đặng Đức Lượng · Ký số bởi: Văn phòng Tỉnh ủy"


@pytest.fixture(scope="module")
def font() -> StampFont:
    if not DEFAULT_FONT.exists():
        pytest.skip("DejaVu fonts are not installed (Debian: fonts-dejavu-core)")
    return load_stamp_font(DEFAULT_FONT)


def _cmap(font: StampFont) -> dict[str, str]:
    """The ToUnicode map read back: four hex digits of a glyph id → character."""
    text = zlib.decompress(font.to_unicode).decode("ascii")
    return {gid: chr(int(code, 16)) for gid, code in re.findall(r"<(\w{4})> <(\w{4})>", text)}


def test_loaded_once_per_path_and_charset(font: StampFont) -> None:
    assert load_stamp_font(str(DEFAULT_FONT), set(VIETNAMESE_CHARSET)) is font
    capitals = load_stamp_font(DEFAULT_FONT, frozenset("ĐẬM"))
    assert capitals is not font
    assert capitals.ps_name != font.ps_name and capitals.ps_name.endswith("+DejaVuSans")
    assert re.fullmatch(r"[A-Z]{6}\+DejaVuSans", font.ps_name)


def test_subset_is_reproducible(font: StampFont) -> None:
    assert _load.__wrapped__(DEFAULT_FONT, VIETNAMESE_CHARSET) == font


def test_text_is_normalised_and_unknown_characters_fall_back(font: StampFont) -> None:
    decomposed = unicodedata.normalize("NFD", VIETNAMESE)
    assert font.normalise(decomposed) == VIETNAMESE
    assert font.normalise("Hà Nội 漢") == f"Hà Nội {FALLBACK}"


def test_glyph_ids_widths_and_to_unicode_agree(font: StampFont) -> None:
    cmap = _cmap(font)
    encoded = font.encode(VIETNAMESE).decode("ascii")
    assert encoded.startswith("<") and encoded.endswith(">")
    codes = re.findall(r"\w{4}", encoded[1:-1])
    assert "".join(cmap[code] for code in codes) == VIETNAMESE
    for ch in VIETNAMESE:
        assert font.cid_widths[int(font.hex_glyphs[ch], 16)] == font.widths[ch]
    assert font.width("ii", 10) == 2 * font.width("i", 10) > 0
    assert font.vertical_extent("Ợ", 10)[0] < font.vertical_extent("O", 10)[0] < 0  # dot below
