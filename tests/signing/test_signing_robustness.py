"""Hostile and broken input: always a report, within the time and memory bound."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing import verify as signing_verify
from signing.report import Indication, SubIndication
from signing.settings import PadesProfile, TrustSettings
from signing.verify import verify_pdf

NOT_SIGNED = (SubIndication.FORMAT_FAILURE, SubIndication.NO_SIGNATURE)

_NESTED = b"%PDF-1.7\n1 0 obj\n" + b"[" * 200_000 + b"]" * 200_000 + b"\nendobj\n"
_LOOP = (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
         b"2 0 obj << /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >> endobj\n"
         b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000062 00000 n \n"
         b"trailer << /Size 3 /Root 1 0 R >>\nstartxref\n128\n%%EOF\n")
_BAD_XREF = (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nxref\n0 99999999\n"
             b"garbage\ntrailer << /Size 99999999 /Root 1 0 R /Prev 10 >>\n"
             b"startxref\n48\n%%EOF\n")
_SELF_PREV = (b"%PDF-1.7\nxref\n0 1\n0000000000 65535 f \n"
              b"trailer << /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF\n")


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n", b"%PDF-1.7\n%%EOF",
                                  _NESTED, _LOOP, _BAD_XREF, _SELF_PREV, b"\x00" * 10_000],
                         ids=["empty", "text", "header-only", "eof-only", "nested-arrays",
                              "page-tree-loop", "bad-xref", "prev-loop", "zeros"])
def test_broken_input_gets_a_report(data: bytes, trust: TrustSettings) -> None:
    report = verify_pdf(data, trust)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication in NOT_SIGNATURE_SUBS
    assert report.file_size == len(data)
    assert report.to_json()


NOT_SIGNATURE_SUBS = NOT_SIGNED


def test_truncated_signed_files_get_a_report(signed: dict[PadesProfile, bytes],
                                             trust: TrustSettings) -> None:
    data = signed[PadesProfile.B_LTA]
    for cut in (10, len(data) // 4, len(data) // 2, len(data) - 200, len(data) - 1):
        report = verify_pdf(data[:cut], trust)
        assert report.indication is not Indication.TOTAL_PASSED


def test_files_over_the_size_cap_are_refused_unread(trust: TrustSettings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    small = TrustSettings(trust_roots=trust.trust_roots, max_file_bytes=1000)

    def examined(*_args: object) -> None:
        raise AssertionError("a file over the cap was examined")

    monkeypatch.setattr(signing_verify, "_examine_in_child", examined)
    monkeypatch.setattr(signing_verify, "_examine_safely", examined)
    report = verify_pdf(b"%PDF-1.7\n" + b" " * 5000, small)
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert "larger than 1000" in (report.detail or "")


def test_time_bound_turns_a_slow_parse_into_a_format_failure(
        signed: dict[PadesProfile, bytes], trust: TrustSettings) -> None:
    tight = TrustSettings(trust_roots=trust.trust_roots, timeout_seconds=0.001)
    report = verify_pdf(signed[PadesProfile.B_T], tight)
    assert report.sub_indication is SubIndication.FORMAT_FAILURE
    assert "time bound" in (report.detail or "")


def test_memory_bound_turns_a_blow_up_into_a_format_failure(
        signed: dict[PadesProfile, bytes], trust: TrustSettings) -> None:
    tiny = TrustSettings(trust_roots=trust.trust_roots, memory_limit_bytes=64 * 1024 * 1024)
    report = verify_pdf(signed[PadesProfile.B_T], tiny)
    assert report.indication is Indication.TOTAL_FAILED
    assert report.sub_indication is SubIndication.FORMAT_FAILURE


@st.composite
def _mutations(draw: st.DrawFn, data: bytes) -> tuple[str, int, bytes]:
    """A byte flip, truncation, deletion or splice of ``data``: (kind, position, bytes)."""
    kind = draw(st.sampled_from(["flip", "truncate", "splice", "delete"]))
    position = draw(st.integers(0, len(data) - 1))
    if kind == "flip":
        mutated = bytearray(data)
        mutated[position] ^= draw(st.integers(1, 255))
        return kind, position, bytes(mutated)
    if kind == "truncate":
        return kind, position, data[:position]
    length = draw(st.integers(1, 400))
    if kind == "delete":
        return kind, position, data[:position] + data[position + length:]
    source = draw(st.integers(0, len(data) - 1))
    return kind, position, data[:position] + data[source:source + length] + data[position:]


def _signature_hole(data: bytes) -> range:
    """The byte positions of the (unsigned) /Contents hex string."""
    start = data.rindex(b"/ByteRange")
    numbers = [int(v) for v in data[data.index(b"[", start) + 1:data.index(b"]", start)].split()]
    return range(numbers[1], numbers[2])


def test_fuzzed_signed_files_never_crash_and_never_pass_when_changed(
        signed: dict[PadesProfile, bytes], trust: TrustSettings) -> None:
    original = signed[PadesProfile.B_T]
    hole = _signature_hole(original)
    in_process = TrustSettings(trust_roots=trust.trust_roots, isolate=False)

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_mutations(original))
    def check(mutation: tuple[str, int, bytes]) -> None:
        kind, position, mutated = mutation
        report = verify_pdf(mutated, in_process)
        assert report.to_json()
        if report.indication is Indication.TOTAL_PASSED:
            # only the unsigned signature container can change unnoticed (e.g. its
            # zero padding), and only by a flip that keeps every offset in place
            assert kind == "flip" and position in hole, (kind, position)

    check()
