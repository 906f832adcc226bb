"""Signed files of every profile, judged by poppler, qpdf, pyHanko and our verifier."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from signing_helpers import OFFICE, REQUEST, pdfsig, require_tool, signature_blocks

from signing.metadata import read_copy_metadata
from signing.report import Indication
from signing.settings import PadesProfile, TrustSettings
from signing.verify import verify_pdf

WritePdf = Callable[[bytes, str], Path]


@pytest.mark.parametrize("profile", list(PadesProfile), ids=lambda p: p.value)
def test_pdfsig_calls_the_signature_valid_and_total(
        profile: PadesProfile, signed: dict[PadesProfile, bytes], write_pdf: WritePdf) -> None:
    blocks = signature_blocks(pdfsig(write_pdf(signed[profile], "signed.pdf")))
    assert "Signature is Valid" in blocks[0]
    assert "ETSI.CAdES.detached" in blocks[0]
    if profile is PadesProfile.B_LTA:
        # the document timestamp is the last revision and covers it all; poppler
        # cannot check RFC 3161 document timestamps, so it only reports coverage
        assert len(blocks) == 2
        assert "Total document signed" in blocks[1]
    else:
        assert len(blocks) == 1
        assert "Total document signed" in blocks[0]


@pytest.mark.parametrize("profile", list(PadesProfile), ids=lambda p: p.value)
def test_qpdf_check_passes(profile: PadesProfile, signed: dict[PadesProfile, bytes],
                           write_pdf: WritePdf) -> None:
    result = subprocess.run([require_tool("qpdf"), "--check",
                             str(write_pdf(signed[profile], "signed.pdf"))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


@pytest.mark.parametrize("profile", list(PadesProfile), ids=lambda p: p.value)
def test_verifier_passes_and_detects_the_profile(profile: PadesProfile,
                                                 signed: dict[PadesProfile, bytes],
                                                 trust: TrustSettings) -> None:
    report = verify_pdf(signed[profile], trust)
    assert report.indication is Indication.TOTAL_PASSED, report.to_json()
    signature = report.signatures[0]
    assert signature.profile == profile.value
    assert signature.docmdp == "NO_CHANGES"
    assert signature.trusted and signature.intact and signature.valid
    assert OFFICE in (signature.signer or "")
    assert len(signature.chain) == 3
    assert report.copy_metadata == dict(REQUEST.metadata)
    if profile is PadesProfile.B_B:
        assert signature.timestamp is None
    else:
        assert signature.timestamp is not None and signature.timestamp.trusted
    if profile is PadesProfile.B_LTA:
        assert signature.coverage == "ENTIRE_REVISION"
        assert signature.modification_level == "LTA_UPDATES"
        assert report.signatures[1].kind == "document_timestamp"
    else:
        assert signature.coverage == "ENTIRE_FILE"


@pytest.mark.parametrize("profile", [PadesProfile.B_LT, PadesProfile.B_LTA],
                         ids=lambda p: p.value)
def test_long_term_profiles_embed_crls_and_certificates(
        profile: PadesProfile, signed: dict[PadesProfile, bytes], trust: TrustSettings) -> None:
    reader = PdfFileReader(BytesIO(signed[profile]))
    dss = reader.root["/DSS"]
    assert len(dss["/CRLs"]) == 2  # root CA's and issuing CA's
    assert len(dss["/Certs"]) >= 3
    assert verify_pdf(signed[profile], trust).signatures[0].revocation == "good"


def test_lta_carries_a_document_timestamp(signed: dict[PadesProfile, bytes]) -> None:
    reader = PdfFileReader(BytesIO(signed[PadesProfile.B_LTA]))
    kinds = [s.sig_object_type for s in reader.embedded_signatures]
    assert kinds == ["/Sig", "/DocTimeStamp"]


def test_copy_metadata_reads_back_from_the_signed_revision(
        signed: dict[PadesProfile, bytes]) -> None:
    for data in signed.values():
        assert read_copy_metadata(data) == {"copy_id": "C-0007", "symbol": "15-NQ/TU",
                                            "copy_number": "07/55"}


def test_unsigned_file_has_no_copy_metadata(sample_pdf: bytes) -> None:
    assert read_copy_metadata(sample_pdf) == {}
