"""Archive-timestamp renewal keeps issued copies provable after their certificates expire.

Every stored copy of an issued meeting is renewed twice (``--before`` far in the
future makes every copy due): each file gains two document timestamps over
validation data, stays valid for pdfsig, pyHanko and our verifier, and the
copy's earlier files stay stored and traced to it. A pass killed in the middle
resumes without renewing a copy twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import func, select

from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import Actor
from meetingsvc.audit.tracing import find_copy, stored_file_sha256
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.issuance.keys import trust_settings
from meetingsvc.issuance.models import (
    ArchiveRenewalRun,
    Channel,
    CopyFileVersion,
    IssuedCopy,
    RenewalRunStatus,
)
from meetingsvc.issuance.renewal import renew_archive_timestamps, renewal_settings
from signing import ArchiveRenewer, Indication, TrustSettings, inspect_archive, verify_pdf
from signing.renew import ArchiveState, RenewalReason, algorithm_end
from tests.issuance.checks import pdfsig

FAR = "2100-01-01"


def stored_copies(session) -> list[IssuedCopy]:
    return list(session.scalars(select(IssuedCopy).where(IssuedCopy.blob_sha256.is_not(None))
                                .order_by(IssuedCopy.id)))


def file_of(app, sha256: str) -> bytes:
    return BlobStore(Path(app.config["BLOB_DIR"])).path_for(sha256).read_bytes()


def versions_of(session, copy_id: int) -> list[CopyFileVersion]:
    return list(session.scalars(select(CopyFileVersion).where(CopyFileVersion.copy_id == copy_id)
                                .order_by(CopyFileVersion.id)))


def pyhanko_judges_every_signature_valid(data: bytes, trust: TrustSettings) -> None:
    """pyHanko's own validation, signature by signature, against the dev PKI."""
    from asn1crypto import crl, x509

    context = ValidationContext(
        trust_roots=[x509.Certificate.load(c) for c in trust.trust_roots],
        other_certs=[x509.Certificate.load(c) for c in trust.other_certs],
        crls=[crl.CertificateList.load(c) for c in trust.crls], allow_fetching=False)
    reader = PdfFileReader(BytesIO(data))
    for sig in reader.embedded_signatures:
        if sig.sig_object_type == "/DocTimeStamp":
            status = validate_pdf_timestamp(sig, validation_context=context)
        else:
            status = validate_pdf_signature(sig, signer_validation_context=context)
            assert status.timestamp_validity is not None and status.timestamp_validity.trusted
        assert status.intact and status.valid and status.trusted, (sig.field_name, status)
        assert status.modification_level is not None


def test_renewing_twice_adds_two_archive_timestamps_and_keeps_every_file(
        app, runner, client, sign_in, session, prepared, issued, tmp_path):
    copies = stored_copies(session)
    original = {c.id: c.blob_sha256 for c in copies}
    assert copies and all(inspect_archive(file_of(app, s)).document_timestamps == 0
                          for s in original.values())
    paper = session.scalars(select(IssuedCopy).where(
        IssuedCopy.channel == Channel.PRINT.value)).all()
    assert paper  # the TỐI MẬT paper copies: no stored file, nothing to renew

    for n in (1, 2):
        result = runner.invoke(args=["signing", "renew", "--before", FAR])
        assert result.exit_code == 0, result.output
        assert f"1/{len(copies)} copy #" in result.output
        assert f"{len(copies)}/{len(copies)} copy #" in result.output
        assert "copies/s" in result.output
        assert f"{len(copies)} renewed now" in result.output
        session.expire_all()
        assert session.scalar(select(func.count()).select_from(CopyFileVersion)) == n * len(copies)

    trust = trust_settings(app.config, app.instance_path)
    for copy in stored_copies(session):
        versions = versions_of(session, copy.id)
        # A chain of files: issued → first renewal → second renewal, the copy at the newest.
        assert [v.previous_sha256 for v in versions] == [original[copy.id],
                                                         versions[0].blob_sha256]
        assert copy.blob_sha256 == versions[1].blob_sha256
        assert {v.reason for v in versions} == {RenewalReason.ALGORITHM.value}
        data = file_of(app, copy.blob_sha256)
        # Each renewal appends to the file before: the earlier bytes are kept untouched.
        assert data.startswith(file_of(app, versions[0].blob_sha256))
        assert file_of(app, versions[0].blob_sha256).startswith(file_of(app, original[copy.id]))
        state = inspect_archive(data)
        assert (state.signatures, state.document_timestamps) == (1, 2)
        # Every earlier file still traces to the copy, compared with itself.
        for sha256 in (original[copy.id], versions[0].blob_sha256, copy.blob_sha256):
            old = file_of(app, sha256)
            assert find_copy(session, sha256, {}, old) == (copy, "exact_bytes")
            assert stored_file_sha256(session, copy, sha256) == sha256

    sample = [c for c in stored_copies(session) if c.kind == "packet"][:1] + \
        [c for c in stored_copies(session) if c.kind == "item"][:1]
    for copy in sample:
        data = file_of(app, copy.blob_sha256)
        pyhanko_judges_every_signature_valid(data, trust)
        path = tmp_path / f"{copy.id}.pdf"
        path.write_bytes(data)
        report = pdfsig(path)
        # pdfsig checks the office's signature; poppler 22 does not check RFC 3161 document
        # timestamps ("not yet been verified"), but none may be called invalid.
        assert report.count("Signature #") == 3, report
        assert "Signature is Valid" in report, report
        assert "Invalid" not in report and "mismatch" not in report, report
        assert "Total document signed" in report.split("Signature #3")[1], report
        verdict = verify_pdf(data, trust)
        assert verdict.indication is Indication.TOTAL_PASSED, verdict.explanation_vi

    # The audit log holds one entry per renewal.
    renewals = session.scalars(select(AuditEvent).where(
        AuditEvent.action == "copy.archive_renewed")).all()
    assert Counter(int(e.object_id) for e in renewals) == {c.id: 2 for c in copies}
    assert session.scalar(select(func.count()).select_from(ArchiveRenewalRun).where(
        ArchiveRenewalRun.status == RenewalRunStatus.COMPLETED.value)) == 2

    # A delegate's download is the newest file.
    delegate = prepared.members[2]
    mine = [c for c in stored_copies(session) if c.user_id == delegate.id
            and c.channel == Channel.DOWNLOAD.value and c.kind == "item"][0]
    sign_in(delegate)
    with client.get(f"/meetings/{prepared.meeting.id}/my/copies/{mine.id}.pdf") as response:
        assert response.status_code == 200
        assert hashlib.sha256(response.data).hexdigest() == mine.blob_sha256


class Killed(BaseException):
    """Stands for the process dying: nothing catches it."""


class DyingRenewer:
    """Renews ``survive`` copies, then dies while renewing the next, mid-copy."""

    def __init__(self, renewer: ArchiveRenewer, survive: int) -> None:
        self.renewer, self.survive, self.calls = renewer, survive, 0

    def renew(self, data: bytes) -> bytes:
        self.calls += 1
        renewed = self.renewer.renew(data)
        if self.calls > self.survive:
            raise Killed  # after the TSA answered, before the copy was recorded
        return renewed


def test_a_pass_killed_in_the_middle_resumes_without_renewing_a_copy_twice(
        app, runner, session, issued):
    copies = stored_copies(session)
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    horizon = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    k = 3
    with ArchiveRenewer(renewal_settings(app.config, app.instance_path)) as renewer:
        seen: list[int] = []
        with pytest.raises(Killed):
            renew_archive_timestamps(session, store, DyingRenewer(renewer, k), horizon=horizon,
                                     actor=Actor(username="test"),
                                     progress=lambda step: seen.append(step.done))
    session.rollback()
    assert seen == [1, 2, 3]
    run = session.scalar(select(ArchiveRenewalRun))
    assert run.status == RenewalRunStatus.RUNNING.value
    assert session.scalar(select(func.count()).select_from(CopyFileVersion)) == k

    # The next run (from cron, say) picks the pass up; its --before does not change the pass.
    result = runner.invoke(args=["signing", "renew", "--before", "2200-01-01"])
    assert result.exit_code == 0, result.output
    assert f"resumed pass #{run.id}: {k} copies were renewed before it stopped" in result.output
    assert f"{k + 1}/{len(copies)} copy #" in result.output
    assert f"{len(copies) - k} renewed now" in result.output
    session.expire_all()
    per_copy = Counter(session.scalars(select(CopyFileVersion.copy_id)))
    assert per_copy == {c.id: 1 for c in copies}
    for copy in stored_copies(session):
        assert inspect_archive(file_of(app, copy.blob_sha256)).document_timestamps == 1
    assert session.scalar(select(ArchiveRenewalRun.horizon)) == horizon
    assert session.get(ArchiveRenewalRun, run.id).status == RenewalRunStatus.COMPLETED.value


def test_copies_far_from_their_end_are_left_alone(app, runner, session, issued):
    before = {c.id: c.blob_sha256 for c in stored_copies(session)}
    result = runner.invoke(args=["signing", "renew"])  # the margin: 365 days from today
    assert result.exit_code == 0, result.output
    assert "0 renewed now, 0 due" in result.output
    session.expire_all()
    assert {c.id: c.blob_sha256 for c in stored_copies(session)} == before


def _state(**fields) -> ArchiveState:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    values = {"signatures": 1, "document_timestamps": 0, "newest_timestamp_at": at,
              "newest_tsa_not_after": dt.datetime(2036, 1, 1, tzinfo=dt.UTC),
              "newest_timestamp_algorithm_end": None,
              "signer_not_after": dt.datetime(2029, 1, 1, tzinfo=dt.UTC)} | fields
    return ArchiveState(**values)


@pytest.mark.parametrize(("fields", "horizon", "reason"), [
    ({}, "2028-12-31", None),
    ({}, "2029-01-01", RenewalReason.SIGNER_CERTIFICATE),
    # Once a document timestamp preserves the signature, the signer's expiry no longer counts.
    ({"document_timestamps": 1}, "2035-12-31", None),
    ({"document_timestamps": 1}, "2036-01-01", RenewalReason.TSA_CERTIFICATE),
    ({"newest_timestamp_algorithm_end": dt.datetime(2030, 12, 31, tzinfo=dt.UTC)},
     "2030-12-31", RenewalReason.ALGORITHM),
    ({"newest_timestamp_at": None, "newest_tsa_not_after": None}, "2026-01-02",
     RenewalReason.NO_TIMESTAMP),
])
def test_when_a_file_is_due(fields, horizon, reason):
    when = dt.datetime.fromisoformat(horizon).replace(tzinfo=dt.UTC)
    assert _state(**fields).renewal_reason(when) is reason


def test_algorithm_ends_follow_nist():
    assert algorithm_end("sha1", None) == dt.datetime(2013, 12, 31, tzinfo=dt.UTC)
    assert algorithm_end("sha256", None) is None
