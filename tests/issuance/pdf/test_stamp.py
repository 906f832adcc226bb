"""The copy stamp as a delegate sees it: readable Vietnamese, in the margins, upright."""

from __future__ import annotations

import gc
import io
import time
from pathlib import Path

import pikepdf
import pytest

from meetingsvc.issuance.pdf import (
    CopyStamp,
    PreparedDocument,
    UnsuitableDocument,
    copy_label,
    personalise,
    prepare_document,
)
from meetingsvc.issuance.pdf import stamp as stamp_module

from .conftest import (
    DELEGATE,
    MEETING_LINE,
    added_words,
    make_stamp,
    pdftotext,
    qpdf_check,
    words,
    write,
)
from .samples import SPECS, geometry_sample, inherited_sample

SIGNATURE_ZONE = (202.0, 58.0)  # bottom right, kept for the visible signature


def test_stamp_text_extracts_as_written(prepared_source: PreparedDocument, tmp_path: Path) -> None:
    path = write(tmp_path, "copy.pdf", personalise(prepared_source, make_stamp()))
    text = pdftotext(path, 3)
    assert DELEGATE in text
    assert "Bản số 07/55" in text
    assert "Trang 3/20" in text
    assert MEETING_LINE in text
    assert "MẬT" in text
    assert "Mã bản: K7Q2-9XM4" in text


def test_copy_keeps_the_document(source_pdf: bytes, prepared_source: PreparedDocument,
                                 tmp_path: Path) -> None:
    original = write(tmp_path, "source.pdf", source_pdf)
    copy = write(tmp_path, "copy.pdf", personalise(prepared_source, make_stamp()))
    qpdf_check(copy)
    with pikepdf.open(copy) as pdf:
        assert len(pdf.pages) == 20
        assert not pdf.is_encrypted
    for page in (1, 11, 20):
        assert {w.text for w in words(original, page)} <= {w.text for w in words(copy, page)}


def test_copy_number_is_padded_to_the_total() -> None:
    assert copy_label(7, 55) == "Bản số 07/55"
    assert copy_label(7, 400) == "Bản số 007/400"
    assert copy_label(3, 9) == "Bản số 03/09"
    with pytest.raises(ValueError):
        make_stamp(56, 55)


@pytest.mark.parametrize("page", [1, 2, 10, 20])
def test_stamp_stays_in_the_margins_of_a_party_document(
        source_pdf: bytes, prepared_source: PreparedDocument, tmp_path: Path, page: int) -> None:
    source = write(tmp_path, "source.pdf", source_pdf)
    copy = write(tmp_path, "copy.pdf", personalise(prepared_source, make_stamp()))
    before = words(source, page)
    body = [w for w in before if w.y0 < 842 - 25 * 72 / 25.4]  # all but the page number
    top, bottom = min(w.y0 for w in body), max(w.y1 for w in body)
    stamp = added_words(before, words(copy, page))
    assert {"Bản", "Nhung", "Trang", f"{page}/20"} <= {w.text for w in stamp}
    for word in stamp:
        assert word.y1 <= top - 10 or word.y0 >= bottom + 10, f"{word} is in the body"
        assert not any(word.overlaps(other) for other in before), word
        assert word.x0 >= 0 and word.x1 <= 595.3 and word.y0 >= 0 and word.y1 <= 841.9
        if page == 1:  # the visible signature goes bottom right of the first page
            in_corner = word.x1 > 595.3 - SIGNATURE_ZONE[0] and word.y1 > 841.9 - SIGNATURE_ZONE[1]
            assert not in_corner, word


@pytest.fixture(scope="module")
def geometry_copy(font_dir: Path, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("geometry")
    source = geometry_sample()
    copy = personalise(prepare_document(source, font_dir=font_dir),
                       make_stamp(mark="TỐI MẬT"))
    return write(directory, "source.pdf", source), write(directory, "copy.pdf", copy)


@pytest.mark.parametrize("number", range(1, len(SPECS) + 1),
                         ids=[spec.label for spec in SPECS])
def test_every_page_shape_gets_an_upright_stamp_in_its_margins(
        geometry_copy: tuple[Path, Path], number: int) -> None:
    source, copy = geometry_copy
    spec = SPECS[number - 1]
    width, height = spec.reader_size
    before = words(source, number)
    body = [w for w in before if w.text != str(number)]
    top, bottom = min(w.y0 for w in body), max(w.y1 for w in body)
    stamp = added_words(before, words(copy, number))
    texts = [w.text for w in stamp]
    assert "Nhung" in texts and f"{number}/{len(SPECS)}" in texts
    for word in stamp:
        assert word.y1 <= top - 10 or word.y0 >= bottom + 10, f"{word} is in the body"
        assert not any(word.overlaps(other) for other in before), word
        assert word.x0 >= -0.5 and word.x1 <= width + 0.5, f"{word} is off the page"
        assert word.y0 >= -0.5 and word.y1 <= height + 0.5, f"{word} is off the page"
        if len(word.text) > 3:  # upright for the reader: wider than tall
            assert word.x1 - word.x0 > word.y1 - word.y0, word
    # Read in order, top of the page first, as the reader sees it.
    lines = [line.strip() for line in pdftotext(copy, number, layout=True).splitlines()
             if line.strip()]
    assert lines[0].startswith(f"TỐI MẬT {MEETING_LINE}")
    assert lines[0].endswith("Bản số 07/55")
    assert lines[1].startswith(f"Cấp cho: {DELEGATE}")
    assert lines[1].endswith(f"Trang {number}/{len(SPECS)}")
    assert lines[-1].startswith(f"Bản số 07/55 · {DELEGATE}")


def test_inherited_page_attributes(font_dir: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "source.pdf", inherited_sample())
    copy = write(tmp_path, "copy.pdf", personalise(
        prepare_document(source.read_bytes(), font_dir=font_dir), make_stamp()))
    qpdf_check(copy)
    for page in (1, 2):
        lines = [x.strip() for x in pdftotext(copy, page, layout=True).splitlines() if x.strip()]
        assert lines[1].endswith(f"Trang {page}/2")
        assert "Body" in pdftotext(copy, page)


def test_long_names_and_unknown_characters(prepared_source: PreparedDocument,
                                           tmp_path: Path) -> None:
    name = "Tôn Nữ Thị Phương Thảo Nguyễn Huỳnh Đức Quỳnh Anh Hoàng Thị Kim Chi"
    copy = write(tmp_path, "copy.pdf", personalise(
        prepared_source, CopyStamp("", "Hội nghị " * 30, 1, 9, name + " 李", "")))
    qpdf_check(copy)
    text = pdftotext(copy, 1)
    assert name.split()[0] in text and "?" in text  # shown, never dropped silently
    assert "…" in text  # an over-long meeting line is cut, not run into the page number


def test_a_tiny_page_still_gets_a_valid_copy(font_dir: Path, tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(120, 90))
    source = io.BytesIO()
    pdf.save(source)
    copy = write(tmp_path, "tiny.pdf", personalise(
        prepare_document(source.getvalue(), font_dir=font_dir), make_stamp()))
    qpdf_check(copy)


def test_decomposed_input_prints_the_same_letters(prepared_source: PreparedDocument,
                                                  tmp_path: Path) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", DELEGATE)
    copy = write(tmp_path, "copy.pdf", personalise(prepared_source, make_stamp(name=decomposed)))
    assert DELEGATE in pdftotext(copy, 1)


def test_copies_are_reproducible_and_distinct(prepared_source: PreparedDocument) -> None:
    """The same stamp draws the same pages (only the file's second /ID differs, as every
    update's must); another copy number draws other ones."""
    def drawn(copy: bytes) -> list[bytes]:
        with pikepdf.open(io.BytesIO(copy)) as pdf:
            return [pdf.get_object(objgen).read_bytes() for objgen in prepared_source.placeholders]

    first = drawn(personalise(prepared_source, make_stamp(7)))
    assert drawn(personalise(prepared_source, make_stamp(7))) == first
    assert drawn(personalise(prepared_source, make_stamp(8))) != first


def test_per_copy_work_loads_no_font_and_parses_no_page(
        prepared_source: PreparedDocument, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("per-document work done per copy")

    monkeypatch.setattr(stamp_module, "load_stamp_font", forbidden)
    monkeypatch.setattr(pikepdf, "parse_content_stream", forbidden)
    for number in (1, 2, 3):
        copy = write(tmp_path, f"{number}.pdf", personalise(prepared_source, make_stamp(number)))
        assert f"Bản số {number:02d}/55" in pdftotext(copy, 2)


@pytest.mark.perf
def test_stamping_a_copy_is_fast(prepared_source: PreparedDocument) -> None:
    personalise(prepared_source, make_stamp(1))
    count = 20
    start = time.perf_counter()
    for number in range(1, count + 1):
        personalise(prepared_source, make_stamp(number))
    per_copy = (time.perf_counter() - start) / count
    assert per_copy < 0.060, f"{per_copy * 1000:.1f} ms per 20-page copy"


def test_memory_does_not_grow_with_copies(prepared_source: PreparedDocument) -> None:
    """Nothing is kept per copy: the number of live Python objects stays put."""
    for number in range(1, 11):
        personalise(prepared_source, make_stamp(number))
    gc.collect()
    before = len(gc.get_objects())
    for number in range(1, 101):
        personalise(prepared_source, make_stamp(number % 55 + 1, name=f"Đại biểu {number}"))
    gc.collect()
    assert len(gc.get_objects()) - before < 50


def test_refuses_encrypted_and_signed_sources(source_pdf: bytes, font_dir: Path) -> None:
    with pikepdf.open(io.BytesIO(source_pdf)) as pdf:
        encrypted = io.BytesIO()
        pdf.save(encrypted, encryption=pikepdf.Encryption(owner="o", user="u"))
        signed = io.BytesIO()
        field = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Sig, T=pikepdf.String("S"),
                                                     V=pikepdf.Dictionary()))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]), SigFlags=3)
        pdf.save(signed)
    with pytest.raises(UnsuitableDocument, match="encrypted"):
        prepare_document(encrypted.getvalue(), font_dir=font_dir)
    with pytest.raises(UnsuitableDocument, match="signed"):
        prepare_document(signed.getvalue(), font_dir=font_dir)
    with pytest.raises(UnsuitableDocument):
        prepare_document(b"%PDF-1.4 not really", font_dir=font_dir)
