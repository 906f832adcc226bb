"""Files we did not make, and attacks on files we did: each gets the verdict an auditor
expects (the builders in ``corpus/cases.py`` say where each comes from)."""

from __future__ import annotations

import pytest
from corpus.cases import CASES, Case
from corpus.kit import Kit

from signing.pki import DevPki
from signing.report import Indication
from signing.settings import TrustSettings
from signing.verify import verify_pdf


@pytest.fixture(scope="module")
def kit(pki: DevPki, tsa_url: str, sample_pdf: bytes) -> Kit:
    return Kit(pki=pki, tsa_url=tsa_url, document=sample_pdf)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_corpus_file_gets_its_verdict(case: Case, kit: Kit, trust: TrustSettings) -> None:
    report = verify_pdf(case.build(kit), trust)
    assert (report.indication, report.sub_indication) == (
        case.indication, case.sub_indication), report.to_json()
    assert report.signatures, "a signed file is never called unsigned"
    if case.sub_indication is not None and report.visual_changes:
        assert all(change.regions for change in report.visual_changes)
    if case.indication is Indication.TOTAL_PASSED:
        assert not report.visual_changes
