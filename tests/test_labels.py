"""Every stored code has a display name, and a code read from the database finds it."""

from __future__ import annotations

import enum

import pytest

from meetingsvc import labels
from meetingsvc.accounts.models import Role
from meetingsvc.audit import labels as audit_labels
from meetingsvc.documents.models import Audience
from meetingsvc.issuance.models import Channel, JobStatus
from meetingsvc.meetings.models import InvitationRole, MeetingStatus

LABELLED = [
    (Role, labels.ROLE_LABELS),
    (MeetingStatus, labels.MEETING_STATUS_LABELS),
    (InvitationRole, labels.INVITATION_ROLE_LABELS),
    (JobStatus, labels.JOB_STATUS_LABELS),
    (Audience, labels.AUDIENCE_LABELS),
    (Channel, audit_labels.CHANNELS),
]


@pytest.mark.parametrize(("codes", "names"), LABELLED, ids=lambda v: getattr(v, "__name__", ""))
def test_every_member_has_a_label_and_nothing_else_does(codes: type[enum.StrEnum],
                                                         names: dict[enum.StrEnum, str]) -> None:
    assert set(names) == set(codes)
    for member in codes:
        assert names[member.value] == names[member]  # looked up by the stored string
