"""The audit log in words: what each action code means, what its details say.

Every action code recorded anywhere in meetingsvc has a label here (a test reads the
code base for ``record(...)`` calls and fails on a code without one); a code met in
an older database that has none is shown as it is. Details are shown as labelled
values: known keys in words, people by their full names, verdicts and roles by their
labels; unknown keys still appear, under their own name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import N_
from ..labels import ROLE_LABELS
from . import labels

__all__ = ["ACTION_LABELS", "DETAIL_LABELS", "OBJECT_TYPES", "DetailItem", "action_label",
           "readable_details"]

ACTION_LABELS = {
    # accounts and sign-in
    "account.created": N_("Account created"),
    "account.updated": N_("Account details changed"),
    "account.deactivated": N_("Account deactivated"),
    "account.reactivated": N_("Account reactivated"),
    "account.role_changed": N_("Role changed"),
    "account.memberships_changed": N_("Body memberships changed"),
    "account.password_reset": N_("Password reset by an administrator"),
    "account.password_changed": N_("Own password changed"),
    "account.unlocked": N_("Account unlocked"),
    "auth.signed_in": N_("Signed in"),
    "auth.signed_out": N_("Signed out"),
    "auth.sign_in_failed": N_("Failed sign-in"),
    "auth.sign_in_throttled": N_("Sign-in blocked after repeated failures"),
    "auth.sign_in_blocked": N_("Sign-in refused while blocked"),
    "auth.sign_in_unlocked": N_("Sign-in block lifted"),
    "auth.account_under_attack": N_("Many failed sign-ins on one account"),
    "auth.sessions_ended": N_("Sessions ended"),
    "auth.2fa_enrolled": N_("Two-factor sign-in set up"),
    "auth.2fa_verified": N_("Two-factor code accepted"),
    "auth.2fa_failed": N_("Wrong two-factor code"),
    "auth.2fa_recovery_code_used": N_("Recovery code used"),
    "auth.2fa_recovery_codes_renewed": N_("Recovery codes renewed"),
    "auth.2fa_disabled": N_("Two-factor sign-in turned off"),
    "auth.2fa_reset": N_("Two-factor sign-in reset by an administrator"),
    "body.created": N_("Body created"),
    "body.updated": N_("Body changed"),
    "body.deactivated": N_("Body deactivated"),
    "body.reactivated": N_("Body reactivated"),
    # meetings, agenda, documents
    "meeting.created": N_("Meeting created"),
    "meeting.updated": N_("Meeting changed"),
    "api_token.created": N_("API key created"),
    "api_token.revoked": N_("API key revoked"),
    "meeting.deleted": N_("Meeting deleted"),
    "meeting.agenda_published": N_("Agenda shown to delegates"),
    "meeting.agenda_withdrawn": N_("Agenda hidden from delegates"),
    "meeting.invited": N_("Delegate invited"),
    "meeting.uninvited": N_("Invitation withdrawn"),
    "agenda.item_added": N_("Agenda item added"),
    "agenda.item_updated": N_("Agenda item changed"),
    "agenda.item_removed": N_("Agenda item removed"),
    "agenda.reordered": N_("Agenda reordered"),
    "document.created": N_("Document added"),
    "document.updated": N_("Document details changed"),
    "document.deleted": N_("Document deleted"),
    "document.version_uploaded": N_("New version uploaded"),
    "document.upload_refused": N_("Upload refused"),
    "document.recalled": N_("Document recalled"),
    "document.re_released": N_("Document released again"),
    # issuance
    "issuance.started": N_("Issuance started"),
    "issuance.delivered": N_("Packet delivered"),
    "issuance.finished": N_("Issuance finished"),
    "issuance.retried": N_("Failed part of an issuance retried"),
    "issuance.packets_rebuilt": N_("Packets rebuilt"),
    "issuance.notice_written": N_("Issuance notice e-mailed"),
    "issuance.notice_failed": N_("Issuance notice could not be sent"),
    "issuance.recalled_all": N_("Every confidential item recalled"),
    "paper_copy.print_run": N_("Print file made"),
    "paper_copy.printed": N_("Paper copy printed"),
    "paper_copy.handed_over": N_("Paper copy handed over"),
    "paper_copy.returned": N_("Paper copy returned"),
    "paper_copy.register_printed": N_("Hand-over register printed"),
    # copies and their delegates
    "copy.delivered": N_("Copy delivered"),
    "copy.downloaded": N_("Copy downloaded"),
    "copy.opened": N_("Copy opened"),
    "copy.page_viewed": N_("Page read"),
    "copy.acknowledged": N_("Receipt acknowledged"),
    "copy.downloaded_by_staff": N_("Copy downloaded by the office"),
    "copy.superseded": N_("Copy superseded by a new version"),
    "copy.archive_renewed": N_("Archive timestamp renewed"),
    "copy.public_verified": N_("Copy checked on the public page (QR code)"),
    "tracking.reminded": N_("Reminder sent"),
    # attendance
    "attendance.answered": N_("Attendance answered"),
    "attendance.reminded": N_("Reminder to answer the invitation sent"),
    "attendance.presence_recorded": N_("Presence recorded"),
    # comments on drafts
    "comment.call_opened": N_("Item opened for comments"),
    "comment.call_changed": N_("Comment deadline changed"),
    "comment.written": N_("Comment written"),
    "comment.revised": N_("Comment revised"),
    # written consultation
    "consultation.created": N_("Written consultation prepared"),
    "consultation.question_added": N_("Consultation question added"),
    "consultation.opened": N_("Written consultation opened, drafts issued"),
    "consultation.answered": N_("Consultation answered"),
    "consultation.receipt_issued": N_("Signed receipt of an answer issued"),
    "consultation.reminded": N_("Reminder to answer the consultation sent"),
    "consultation.closed": N_("Written consultation closed"),
    "consultation.result_issued": N_("Signed result report of a consultation issued"),
    # audit
    "audit.pdf_verified": N_("PDF verified"),
    "audit.report_downloaded": N_("Verification report downloaded (signed PDF)"),
    "audit.log_verified": N_("Audit log checked"),
    "audit.evidence_exported": N_("Evidence exported"),
    # operations
    "backup.created": N_("Backup made (database, files, keys)"),
    "backup.restored": N_("Instance restored from a backup"),
}

OBJECT_TYPES = {
    "user": N_("Account"),
    "body": N_("Body"),
    "meeting": N_("Meeting"),
    "invitation": N_("Invitation"),
    "agenda_item": N_("Agenda item"),
    "document": N_("Document"),
    "document_version": N_("Document version"),
    "issuance_job": N_("Issuance"),
    "issuance_unit": N_("Packet"),
    "issued_copy": N_("Issued copy"),
    "verification": N_("Verification report"),
    "comment_call": N_("Item open for comments"),
    "draft_comment": N_("Comment on a draft"),
    "attendance_answer": N_("Attendance answer"),
    "consultation": N_("Written consultation"),
    "consultation_answer": N_("Consultation answer"),
    "api_token": N_("API key"),
}

DETAIL_LABELS = {
    "user": N_("Person"),
    "username": N_("Person"),
    "by": N_("Done by"),
    "role": N_("Role"),
    "changes": N_("Changes"),
    "from": N_("Before"),
    "to": N_("After"),
    "code": N_("Code"),
    "name_vi": N_("Name (Vietnamese)"),
    "name_en": N_("Name (English)"),
    "body": N_("Body"),
    "title": N_("Title"),
    "symbol": N_("Document symbol"),
    "confidentiality": N_("Confidentiality"),
    "audience": N_("Recipients"),
    "status": N_("Status"),
    "reason": N_("Reason"),
    "file": N_("File"),
    "filename": N_("File"),
    "sha256": "SHA-256",
    "previous_sha256": N_("Previous SHA-256"),
    "merged_sha256": N_("Print file SHA-256"),
    "indication": N_("Verdict"),
    "sub_indication": N_("Why"),
    "match": N_("Match with the issued file"),
    "copy": N_("Copy"),
    "copy_id": N_("Copy record"),
    "copies": N_("Copies"),
    "item_copies": N_("Item copies"),
    "packets": N_("Packets"),
    "delegates": N_("Delegates"),
    "documents": N_("Documents"),
    "document_id": N_("Document record"),
    "items": N_("Items"),
    "new_versions": N_("New versions"),
    "recalled": N_("Recalled"),
    "recalled_at": N_("Recalled at"),
    "units": N_("Parts"),
    "failed_units": N_("Failed parts"),
    "job": N_("Issuance"),
    "message_id": N_("Message"),
    "address": N_("Network address"),
    "failures": N_("Failures"),
    "factor": N_("Factor"),
    "scope": N_("Scope"),
    "keys": N_("Counted by"),
    "until": N_("Until"),
    "during": N_("For"),
    "retry_after": N_("Retry after (seconds)"),
    "temporary": N_("Temporary"),
    "codes_left": N_("Recovery codes left"),
    "horizon": N_("Horizon"),
    "run": N_("Renewal run"),
    "intact": N_("Intact"),
    "rows": N_("Rows"),
    "backup_created_at": N_("Backup made at"),
    "files": N_("Files"),
    "bytes": N_("Bytes"),
    "database": N_("Database"),
    "schema": N_("Schema revision"),
    "audit_rows": N_("Audit log rows"),
    "first_broken_id": N_("First broken row"),
    "checkpoints": N_("Checkpoints"),
    "checkpoint_problems": N_("Checkpoint problems"),
    "newest_checkpoint": N_("Newest checkpoint"),
    "rows_after_newest_checkpoint": N_("Rows after it"),
    "item": N_("Agenda item"),
    "deadline": N_("Deadline"),
    "location": N_("Page or section"),
    "characters": N_("Characters"),
    "revision": N_("Wording"),
    "phase": N_("Before or after the session"),
    "api_token": N_("Through API key"),
    "key_name": N_("Key name"),
    "prefix": N_("Begins with"),
    "expires_at": N_("Expires"),
}

#: Keys whose value names a person by username.
PERSON_KEYS = ("user", "username", "by")
_HASH_KEYS = {"sha256", "previous_sha256", "merged_sha256"}
_MATCHES = {"exact": N_("exact"), "altered": N_("altered")}


def action_label(code: str) -> str:
    """An action's words in the reader's language; an unknown code as it is."""
    words = ACTION_LABELS.get(code)
    return _(words) if words else code


@dataclass(frozen=True)
class DetailItem:
    """One detail of a log row, as shown: a label and a value in words."""

    key: str
    label: str
    text: str
    #: The full value when ``text`` is shortened (a hash), for a tooltip.
    full: str | None = None
    mono: bool = False


def _plain(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def _value(key: str, value: Any, people: Mapping[str, str]) -> DetailItem:
    label = DETAIL_LABELS.get(key)
    shown = _(label) if label and label != "SHA-256" else (label or key)
    if key in PERSON_KEYS and isinstance(value, str):
        name = people.get(value.lower())
        return DetailItem(key, shown, f"{name} ({value})" if name else value)
    if key in ("indication",) and isinstance(value, str) and value in labels.VERDICTS:
        return DetailItem(key, shown, _(labels.VERDICTS[value]))
    if key == "sub_indication" and isinstance(value, str) and value in labels.SUB_INDICATIONS:
        return DetailItem(key, shown, _(labels.SUB_INDICATIONS[value]))
    if key == "match" and isinstance(value, str) and value in _MATCHES:
        return DetailItem(key, shown, _(_MATCHES[value]))
    if key == "role" and isinstance(value, str) and value in ROLE_LABELS:
        return DetailItem(key, shown, _(ROLE_LABELS[value]))  # type: ignore[index]
    if key in _HASH_KEYS and isinstance(value, str) and len(value) > 16:
        return DetailItem(key, shown, value[:12] + "…", value, mono=True)
    if key == "changes" and isinstance(value, dict):
        parts = []
        for field, change in value.items():
            field_label = DETAIL_LABELS.get(field)
            name = _(field_label) if field_label else field
            if isinstance(change, dict) and ("from" in change or "to" in change):
                parts.append(f"{name}: {_plain(change.get('from')) or '—'} → "
                             f"{_plain(change.get('to')) or '—'}")
            else:
                parts.append(f"{name}: {_plain(change)}")
        return DetailItem(key, shown, "; ".join(parts))
    text = _plain(value)
    return DetailItem(key, shown, text if len(text) <= 120 else text[:117] + "…",
                      text if len(text) > 120 else None)


def readable_details(details: Mapping[str, Any], people: Mapping[str, str]
                     ) -> list[DetailItem]:
    """A row's details as labelled values; ``people`` maps usernames (lower case) to
    full names."""
    order = {key: index for index, key in enumerate(DETAIL_LABELS)}
    keys = sorted(details, key=lambda key: order.get(key, len(order)))
    return [_value(key, details[key], people) for key in keys]


def people_named(details: Mapping[str, Any]) -> set[str]:
    """The usernames a row's details name, to look their full names up."""
    return {value.lower() for key, value in details.items()
            if key in PERSON_KEYS and isinstance(value, str)}
