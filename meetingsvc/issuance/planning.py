"""Planning an issuance: which delegate gets which numbered copy, decided once, in the database.

Numbers are fixed here, inside one transaction holding the meeting's row lock,
before any file is made; workers only fill the planned rows in. So a retry or
a crash can never number a copy twice, and the unique constraints on
``IssuedCopy`` make sure of it even under concurrent requests.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..documents.entitlement import Recipient, audience_rule, is_entitled, recipients_for
from ..documents.models import Document, DocumentVersion
from ..documents.vocabulary import Confidentiality
from ..errors import N_, DomainError
from ..exports_safe import FORMULA_STARTS
from ..meetings.models import AgendaItem, Invitation, Meeting, MeetingStatus
from ..meetings.services import invitations_in_protocol_order
from .keys import signer_settings
from .models import (
    Channel,
    CopyKind,
    CopyStatus,
    IssuanceJob,
    IssuanceUnit,
    IssuedCopy,
)
from .policy import channel_for


class IssuanceError(DomainError):
    """An issuance that cannot start; the message says why."""


class PlanChanged(IssuanceError):
    """The papers to issue changed since the user confirmed them; ``plan`` is the new one."""

    def __init__(self, plan: IssuancePlan) -> None:
        super().__init__(N_("The papers to issue changed since you confirmed: it is now "
                            "%(delegates)s delegates and %(copies)s copies. Check the new "
                            "figures and confirm again."),
                         delegates=plan.delegates, copies=plan.item_copies)
        self.plan = plan


@dataclass(frozen=True)
class PlannedCopy:
    user_id: int
    version: DocumentVersion
    channel: Channel


def new_token() -> str:
    """A copy's verification token; never one beginning with ``-``.

    One token in 64 would otherwise begin with ``-``: a spreadsheet reads such a cell as
    a formula, so every CSV the service writes (the evidence manifest among them) stores
    it behind an apostrophe, and an auditor comparing the cell with the copy's QR code
    would find them different. A leading ``-`` also reads as an option on a command line.
    """
    while True:
        token = secrets.token_urlsafe(24)
        if not token.startswith(FORMULA_STARTS):
            return token


@dataclass(frozen=True)
class IssuancePlan:
    """What an issuance would make now: the copies each delegate gets, decided by the same
    rules ``start_issuance`` numbers them by, so a confirmation shows the real counts."""

    #: Delegate id → the copies planned for them, delegates in protocol order.
    copies: dict[int, list[PlannedCopy]]
    invitations: list[Invitation]
    recipients: dict[int, Recipient]
    documents: list[Document]

    @property
    def delegates(self) -> int:
        return len(self.copies)

    @property
    def item_copies(self) -> int:
        return sum(len(c) for c in self.copies.values())

    @property
    def paper_copies(self) -> int:
        return sum(1 for c in self.copies.values() for p in c if p.channel is Channel.PRINT)

    @property
    def packets(self) -> int:
        """One packet for every delegate with at least one electronic copy."""
        return sum(1 for c in self.copies.values()
                   if any(p.channel is not Channel.PRINT for p in c))

    @property
    def document_count(self) -> int:
        return len({p.version.document_id for c in self.copies.values() for p in c})

    @property
    def fingerprint(self) -> str:
        """A short digest of every planned (delegate, version, channel): a confirmation
        shown for one plan is refused if the plan changed before it was posted."""
        planned = sorted((user_id, p.version.id, p.channel.value)
                         for user_id, c in self.copies.items() for p in c)
        return hashlib.sha256(repr(planned).encode()).hexdigest()[:16]


def plan_issuance(session: Session, meeting: Meeting, policy: Mapping[str, str]
                  ) -> IssuancePlan:
    """Every copy not yet issued: new delegates, new versions, or the whole meeting.

    Writes nothing. Raises ``IssuanceError`` when there is nothing new to issue.
    """
    invitations = invitations_in_protocol_order(session, meeting)
    if not invitations:
        raise IssuanceError(N_("Nobody is invited to this meeting."))
    documents = [d for d in _documents_in_agenda_order(session, meeting)
                 if d.recalled_at is None]  # recalled stays recalled until re-released
    if not documents:
        raise IssuanceError(N_("The meeting has no documents to issue."))
    recipients = recipients_for(session, invitations)
    planned: dict[int, list[PlannedCopy]] = defaultdict(list)
    for document in documents:
        version = document.current_version
        assert version is not None  # every document is created with its first version
        rule = audience_rule(document)
        entitled = [inv.user_id for inv in invitations
                    if is_entitled(recipients[inv.user_id], rule)]
        channel = channel_for(Confidentiality(document.confidentiality), policy)
        already = set(session.scalars(select(IssuedCopy.user_id).where(
            IssuedCopy.series == _series(version), IssuedCopy.recalled_at.is_(None))))
        for user_id in entitled:
            if user_id not in already:
                planned[user_id].append(PlannedCopy(user_id, version, channel))
    if not planned:
        raise IssuanceError(N_("Every delegate already has every current document."))
    ordered = {inv.user_id: planned[inv.user_id] for inv in invitations
               if inv.user_id in planned}
    return IssuancePlan(ordered, invitations, recipients, documents)


def start_issuance(session: Session, meeting: Meeting, actor: Actor,
                   policy: Mapping[str, str], *, expected: str | None = None) -> IssuanceJob:
    """Plan and number every copy not yet issued, under the meeting's row lock.

    ``expected`` is the fingerprint of the plan the user confirmed: if the plan is
    no longer that one, ``PlanChanged`` is raised and nothing is written.
    Raises ``IssuanceError`` when there is nothing new to issue.
    """
    session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    plan = plan_issuance(session, meeting, policy)
    if expected is not None and plan.fingerprint != expected:
        raise PlanChanged(plan)
    planned, invitations = plan.copies, plan.invitations

    job = IssuanceJob(meeting_id=meeting.id, created_by_id=actor.user_id)
    session.add(job)
    session.flush()
    _number_item_copies(session, job, planned, invitations, plan.recipients, plan.documents)
    if meeting.status == MeetingStatus.DRAFT.value:
        meeting.status = MeetingStatus.ISSUED.value
    record(session, "issuance.started", actor, object_type="issuance_job", object_id=job.id,
           meeting_id=meeting.id, details={"delegates": plan.delegates,
                                           "item_copies": plan.item_copies})
    return job


def issuance_plan(session: Session, meeting: Meeting, config: Mapping[str, Any],
                  instance_path: str) -> IssuancePlan:
    """What issuing now would make, for a confirmation; refused with the reason (no signing
    key configured, nothing to issue) exactly as issuing itself would be. Writes nothing."""
    signer_settings(config, instance_path)
    return plan_issuance(session, meeting, config["ISSUANCE_POLICY"])


def issue_confirmed(session: Session, meeting: Meeting, actor: Actor, config: Mapping[str, Any],
                    instance_path: str, *, expected: str) -> IssuanceJob:
    """Issue what the user confirmed (``expected``, the plan's fingerprint), or nothing.

    Without a usable signing key it is refused now, with the reason, rather than leave
    a job no worker can sign. Raises ``PlanChanged`` or ``IssuanceError`` as
    ``start_issuance`` does."""
    signer_settings(config, instance_path)
    return start_issuance(session, meeting, actor, config["ISSUANCE_POLICY"], expected=expected)


def _series(version: DocumentVersion) -> str:
    return f"version:{version.id}"


def _number_item_copies(session: Session, job: IssuanceJob,
                        planned: dict[int, list[PlannedCopy]],
                        invitations: list[Invitation], recipients: dict[int, Recipient],
                        documents: list[Document]) -> None:
    """Create the units and copy rows, numbering each series densely in protocol order."""
    units: dict[int, IssuanceUnit] = {}
    for invitation in invitations:
        if invitation.user_id in planned:
            unit = IssuanceUnit(job_id=job.id, user_id=invitation.user_id)
            session.add(unit)
            units[invitation.user_id] = unit
    session.flush()

    by_version: dict[int, list[PlannedCopy]] = defaultdict(list)
    for invitation in invitations:
        for copy in planned.get(invitation.user_id, []):
            by_version[copy.version.id].append(copy)
    for document in documents:
        version = document.current_version
        assert version is not None
        copies = by_version.get(version.id, [])
        if not copies:
            continue
        series = _series(version)
        taken = session.scalar(select(func.coalesce(func.max(IssuedCopy.copy_number), 0))
                               .where(IssuedCopy.series == series)) or 0
        rule = audience_rule(document)
        total = max(taken + len(copies),
                    sum(1 for r in recipients.values() if is_entitled(r, rule)))
        for number, copy in enumerate(copies, start=taken + 1):
            session.add(IssuedCopy(
                job_id=job.id, unit_id=units[copy.user_id].id, meeting_id=job.meeting_id,
                user_id=copy.user_id, kind=CopyKind.ITEM.value, document_version_id=version.id,
                series=series, copy_number=number, copy_total=total,
                channel=copy.channel.value, verification_token=new_token()))

    electronic = [user_id for user_id, copies in planned.items()
                  if any(c.channel is not Channel.PRINT for c in copies)]
    _number_packets(session, job, units,
                    [inv.user_id for inv in invitations if inv.user_id in electronic])


def _number_packets(session: Session, job: IssuanceJob, units: Mapping[int, IssuanceUnit],
                    user_ids: list[int]) -> None:
    """One packet copy per delegate of the job, numbered in protocol order."""
    for number, user_id in enumerate(user_ids, start=1):
        session.add(IssuedCopy(
            job_id=job.id, unit_id=units[user_id].id, meeting_id=job.meeting_id,
            user_id=user_id, kind=CopyKind.PACKET.value, document_version_id=None,
            series=f"packet:{job.meeting_id}:{job.id}", copy_number=number,
            copy_total=len(user_ids), channel=Channel.DOWNLOAD.value,
            verification_token=new_token()))
    session.flush()


def plan_packet_rebuild(session: Session, meeting: Meeting, user_ids: set[int],
                        recalled: Document, actor: Actor) -> IssuanceJob | None:
    """A job that gives each of these delegates a new packet without a recalled document.

    Only delegates who still hold a downloadable copy get one; the packet is
    built from what they hold when the unit runs. ``None`` when nobody does.
    """
    holders = set(session.scalars(select(IssuedCopy.user_id).where(
        IssuedCopy.meeting_id == meeting.id, IssuedCopy.user_id.in_(user_ids),
        IssuedCopy.kind == CopyKind.ITEM.value, IssuedCopy.channel == Channel.DOWNLOAD.value,
        IssuedCopy.status == CopyStatus.DELIVERED.value, IssuedCopy.superseded_at.is_(None),
        IssuedCopy.recalled_at.is_(None))))
    ordered = [inv.user_id for inv in invitations_in_protocol_order(session, meeting)
               if inv.user_id in holders]
    if not ordered:
        return None
    job = IssuanceJob(meeting_id=meeting.id, created_by_id=actor.user_id,
                      recalled_document_id=recalled.id)
    session.add(job)
    session.flush()
    units = {user_id: IssuanceUnit(job_id=job.id, user_id=user_id) for user_id in ordered}
    session.add_all(units.values())
    session.flush()
    _number_packets(session, job, units, ordered)
    record(session, "issuance.packets_rebuilt", actor, object_type="issuance_job",
           object_id=job.id, meeting_id=meeting.id,
           details={"recalled": recalled.symbol, "delegates": len(ordered)})
    return job


def _documents_in_agenda_order(session: Session, meeting: Meeting) -> list[Document]:
    return list(session.scalars(
        select(Document).outerjoin(AgendaItem, Document.agenda_item_id == AgendaItem.id)
        .where(Document.meeting_id == meeting.id)
        .order_by(func.coalesce(AgendaItem.position, 10_000), Document.id)))
