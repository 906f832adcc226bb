"""A merged packet keeps each distinct font once (how it still reads and looks:
``test_packet.test_every_packet_page_looks_and_reads_as_the_copy_does``)."""

from __future__ import annotations

import hashlib
import io

import pikepdf

from meetingsvc.issuance.pdf import PreparedDocument, merge_documents
from meetingsvc.issuance.pdf.shared_fonts import MAX_DEPTH, share_identical_fonts

_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def _font_files(pdf: pikepdf.Pdf) -> list[tuple[str, bytes]]:
    """Each font file object the PDF holds: its font's name (subset tag cut) and bytes."""
    return [(str(descriptor.FontName).split("+")[-1], descriptor[key].read_raw_bytes())
            for descriptor in pdf.objects
            if isinstance(descriptor, pikepdf.Dictionary)
            and descriptor.get("/Type") == "/FontDescriptor"
            for key in _FONT_FILES if key in descriptor]


def test_a_packet_holds_each_font_file_once(three_papers: list[PreparedDocument]) -> None:
    """Three documents, each with the copy stamp's two fonts and subsets of its own:
    every distinct font file is stored once, so the stamp's fonts once in all."""
    documents = three_papers
    body = merge_documents(documents)
    with pikepdf.open(io.BytesIO(body.pdf)) as pdf:
        files = _font_files(pdf)
        assert len(pdf.pages) == 9
    assert len(files) == len({hashlib.sha256(data).digest() for _name, data in files})
    names = [name for name, _data in files]
    assert names.count("DejaVuSans") == names.count("DejaVuSans-Bold") == 1
    with pikepdf.open(io.BytesIO(documents[0].pdf)) as one:
        stamp_fonts = sum(len(data) for name, data in _font_files(one)
                          if name.startswith("DejaVuSans"))
    assert len(body.pdf) < sum(len(document.pdf) for document in documents) - 2 * stamp_fonts


def _font(pdf: pikepdf.Pdf, name: str, file: pikepdf.Object, to_unicode: bytes
          ) -> pikepdf.Object:
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/" + name), FontFile2=file))
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType,
        BaseFont=pikepdf.Name("/" + name), FontDescriptor=descriptor,
        ToUnicode=pdf.make_stream(to_unicode)))


def _page_with_fonts(pdf: pikepdf.Pdf, fonts: dict[str, pikepdf.Object]) -> None:
    pdf.add_blank_page()
    pdf.pages[-1].obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(fonts))


def test_only_what_is_the_same_is_shared() -> None:
    """Equal font files are one; fonts whose character maps or names differ stay two;
    a form whose resources are those of another stays a form of its own."""
    pdf = pikepdf.new()
    files = [pdf.make_stream(b"glyphs", Length1=6) for _ in range(3)]
    other_file = pdf.make_stream(b"other glyphs", Length1=12)
    a = _font(pdf, "AAAAAA+Serif", files[0], b"cmap 1")
    same_as_a = _font(pdf, "AAAAAA+Serif", files[1], b"cmap 1")
    other_map = _font(pdf, "AAAAAA+Serif", files[2], b"cmap 2")
    other_glyphs = _font(pdf, "AAAAAA+Serif", other_file, b"cmap 1")
    _page_with_fonts(pdf, {"/F1": a, "/F2": other_map})
    _page_with_fonts(pdf, {"/F1": same_as_a, "/F2": other_glyphs})
    forms = [pdf.make_stream(b"", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                             BBox=[0, 0, 10, 10], Resources=pikepdf.Dictionary(
                                 Font=pikepdf.Dictionary(F1=font)))
             for font in (a, same_as_a)]
    for page, form in zip(pdf.pages, forms, strict=True):
        page.obj.Resources.XObject = pikepdf.Dictionary(Stamp=form)

    share_identical_fonts(pdf)

    first, second = (page.obj.Resources for page in pdf.pages)
    assert second.Font.F1.objgen == first.Font.F1.objgen == a.objgen
    assert second.XObject.Stamp.Resources.Font.F1.objgen == a.objgen
    assert second.XObject.Stamp.objgen != first.XObject.Stamp.objgen
    assert first.Font.F2.objgen != a.objgen  # its ToUnicode differs
    assert first.Font.F2.FontDescriptor.objgen == a.FontDescriptor.objgen  # the file does not
    assert second.Font.F2.objgen not in (a.objgen, first.Font.F2.objgen)
    saved = io.BytesIO()
    pdf.save(saved, compress_streams=False)
    with pikepdf.open(saved) as reopened:
        assert sorted(data for _name, data in _font_files(reopened)) == [
            b"glyphs", b"other glyphs"]


def test_a_font_that_refers_to_itself_ends() -> None:
    """A hostile Type3 font whose resources hold the font itself: no endless walk,
    and the fonts around it are still shared."""
    pdf = pikepdf.new()
    looping = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                   Subtype=pikepdf.Name.Type3))
    looping.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(Self=looping))
    twin = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type3))
    twin.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(Self=twin))
    plain = [pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                  BaseFont=pikepdf.Name.Helvetica))
             for _ in range(2)]
    _page_with_fonts(pdf, {"/L": looping, "/H": plain[0]})
    _page_with_fonts(pdf, {"/L": twin, "/H": plain[1]})

    share_identical_fonts(pdf)

    first, second = (page.obj.Resources.Font for page in pdf.pages)
    assert second.H.objgen == first.H.objgen
    assert first.L.Resources.Font.Self.objgen == first.L.objgen


def test_a_font_deeper_than_any_real_one_is_left_as_it_is() -> None:
    """A hostile font whose descriptor leads down a chain of 3,000 references: the walk
    stops at ``MAX_DEPTH`` instead of the interpreter's recursion limit (which would fail
    the whole issuing unit), and the fonts beside it are still shared."""
    pdf = pikepdf.new()

    def deep_font() -> pikepdf.Object:
        link = pdf.make_indirect(pikepdf.Dictionary(End=True))
        for _ in range(3000):
            link = pdf.make_indirect(pikepdf.Dictionary(Next=link))
        return pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Chain=link))

    plain = [pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                  BaseFont=pikepdf.Name.Helvetica))
             for _ in range(2)]
    _page_with_fonts(pdf, {"/D": deep_font(), "/H": plain[0]})
    _page_with_fonts(pdf, {"/D": deep_font(), "/H": plain[1]})

    share_identical_fonts(pdf)

    first, second = (page.obj.Resources.Font for page in pdf.pages)
    assert second.H.objgen == first.H.objgen
    assert MAX_DEPTH < 3000
