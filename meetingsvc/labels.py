"""Display names of stored codes, marked for translation and given to every template.

Keyed by the enum members; as they are string enums, a stored code looks its label up
as it is.
"""

from __future__ import annotations

from flask import Flask

from .accounts.models import Role
from .documents.models import Audience
from .errors import N_
from .issuance.models import JobStatus
from .meetings.models import InvitationRole, MeetingStatus

ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.SECRETARIAT: N_("Secretariat"),
    Role.DELEGATE: N_("Delegate"),
    Role.AUDITOR: N_("Auditor"),
}
MEETING_STATUS_LABELS = {
    MeetingStatus.DRAFT: N_("Draft"),
    MeetingStatus.ISSUED: N_("Issued"),
    MeetingStatus.HELD: N_("Held"),
    MeetingStatus.CLOSED: N_("Closed"),
}
INVITATION_ROLE_LABELS = {InvitationRole.MEMBER: N_("Member"), InvitationRole.GUEST: N_("Guest")}
JOB_STATUS_LABELS = {
    JobStatus.RUNNING: N_("Issuing"),
    JobStatus.COMPLETED: N_("Completed"),
    JobStatus.COMPLETED_WITH_FAILURES: N_("Completed with failures"),
}
AUDIENCE_LABELS = {
    Audience.ALL_INVITED: N_("Everyone invited"),
    Audience.BODY_MEMBERS: N_("Members of a body only"),
    Audience.NAMED: N_("Named delegates only"),
}

def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        role_labels=ROLE_LABELS,
        meeting_status_labels=MEETING_STATUS_LABELS,
        invitation_role_labels=INVITATION_ROLE_LABELS,
        audience_labels=AUDIENCE_LABELS,
        job_status_labels=JOB_STATUS_LABELS,
    )
