"""Planning: who gets which numbered copy, through which channel, decided once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.planning import IssuanceError, start_issuance
from meetingsvc.meetings.models import Meeting
from tests.issuance.conftest import ACTOR

POLICY = {"none": "download", "mat": "view_only", "toi_mat": "print", "tuyet_mat": "print"}


def copies_of(session, document):
    return session.scalars(select(IssuedCopy).where(
        IssuedCopy.document_version_id == document.current_version.id)
        .order_by(IssuedCopy.copy_number)).all()


def test_each_document_goes_to_exactly_those_entitled_numbered_densely(session, prepared):
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    members = [u.id for u in prepared.members]
    standing = [u.id for u in prepared.standing]
    programme = copies_of(session, prepared.documents["programme"])
    assert [c.user_id for c in programme] == members + [prepared.guest.id]
    assert [c.copy_number for c in programme] == [1, 2, 3, 4, 5, 6]
    assert {c.copy_total for c in programme} == {6}
    assert [c.user_id for c in copies_of(session, prepared.documents["report"])] == members
    only = copies_of(session, prepared.documents["btv_only"])
    assert [c.user_id for c in only] == standing
    assert only[1].label == "Bản số 02/02"


def test_channels_follow_the_confidentiality_policy(session, prepared):
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    channel = {name: {c.channel for c in copies_of(session, doc)}
               for name, doc in prepared.documents.items()}
    assert channel == {"programme": {"download"}, "report": {"download"},
                       "secret": {"view_only"}, "btv_only": {"print"}}


def test_every_delegate_gets_one_packet_numbered_in_protocol_order(session, prepared):
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    packets = session.scalars(select(IssuedCopy).where(
        IssuedCopy.job_id == job.id, IssuedCopy.kind == "packet")
        .order_by(IssuedCopy.copy_number)).all()
    assert [p.user_id for p in packets] == [u.id for u in prepared.members] + [prepared.guest.id]
    assert len({p.verification_token for p in packets}) == len(packets)


def test_issuing_again_issues_nothing_twice(session, prepared, make_user):
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    with pytest.raises(IssuanceError):
        start_issuance(session, prepared.meeting, ACTOR, POLICY)
    latecomer = make_user(full_name="Bùi Thị Ngọc Lan")
    from meetingsvc.meetings.models import Invitation

    session.add(Invitation(meeting_id=prepared.meeting.id, user_id=latecomer.id, role="member"))
    session.commit()
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    new = session.scalars(select(IssuedCopy).where(IssuedCopy.job_id == job.id,
                                                   IssuedCopy.kind == "item")).all()
    assert {c.user_id for c in new} == {latecomer.id}
    report = copies_of(session, prepared.documents["report"])
    assert [c.copy_number for c in report] == [1, 2, 3, 4, 5, 6]


def test_the_database_refuses_a_duplicate_copy_number(session, prepared):
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    first = copies_of(session, prepared.documents["report"])[0]
    session.add(IssuedCopy(job_id=first.job_id, unit_id=first.unit_id, meeting_id=first.meeting_id,
                           user_id=prepared.guest.id, kind="item",
                           document_version_id=first.document_version_id, series=first.series,
                           copy_number=first.copy_number, copy_total=first.copy_total,
                           channel="download", verification_token="another-token"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_issuing_marks_the_meeting_issued_and_is_audited(session, prepared):
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    assert session.get(Meeting, prepared.meeting.id).status == "issued"


def test_no_verification_token_begins_with_a_dash(session, prepared, monkeypatch):
    """A token beginning with ``-`` would be stored behind an apostrophe in every CSV the
    office exports (a spreadsheet reads it as a formula), so the evidence manifest's
    token would differ from the one in the copy's QR code."""
    import secrets as real

    draws = iter(["-" + real.token_urlsafe(24)[1:] if n % 2 == 0 else real.token_urlsafe(24)
                  for n in range(1000)])
    monkeypatch.setattr("meetingsvc.issuance.planning.secrets.token_urlsafe",
                        lambda nbytes: next(draws))
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    tokens = session.scalars(select(IssuedCopy.verification_token)).all()
    assert tokens and not any(token.startswith("-") for token in tokens)
    assert len(set(tokens)) == len(tokens)
