"""Display names of stored codes, marked for translation and given to every template."""

from __future__ import annotations

from flask import Flask

from .errors import N_

ROLE_LABELS = {
    "admin": N_("Administrator"),
    "secretariat": N_("Secretariat"),
    "delegate": N_("Delegate"),
    "auditor": N_("Auditor"),
}
MEETING_STATUS_LABELS = {
    "draft": N_("Draft"),
    "issued": N_("Issued"),
    "held": N_("Held"),
    "closed": N_("Closed"),
}
INVITATION_ROLE_LABELS = {"member": N_("Member"), "guest": N_("Guest")}
JOB_STATUS_LABELS = {
    "running": N_("Running"),
    "completed": N_("Completed"),
    "completed_with_failures": N_("Completed with failures"),
}
AUDIENCE_LABELS = {
    "all_invited": N_("Everyone invited"),
    "body_members": N_("Members of a body only"),
    "named": N_("Named delegates only"),
}


def register_labels(app: Flask) -> None:
    app.jinja_env.globals.update(
        role_labels=ROLE_LABELS,
        meeting_status_labels=MEETING_STATUS_LABELS,
        invitation_role_labels=INVITATION_ROLE_LABELS,
        audience_labels=AUDIENCE_LABELS,
        job_status_labels=JOB_STATUS_LABELS,
    )
