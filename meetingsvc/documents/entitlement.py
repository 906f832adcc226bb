"""Who receives a document: the one rule every page, endpoint and job applies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Membership
from ..meetings.models import Invitation
from .models import Audience, Document


@dataclass(frozen=True)
class Recipient:
    """An invited delegate, as far as entitlement cares."""

    user_id: int
    is_guest: bool
    body_ids: frozenset[int]


@dataclass(frozen=True)
class AudienceRule:
    audience: Audience
    body_id: int | None = None
    open_to_guests: bool = False
    named_user_ids: frozenset[int] = frozenset()


def is_entitled(recipient: Recipient, rule: AudienceRule) -> bool:
    """Whether an invited delegate receives a document.

    Everyone invited: members always, guests only when the document is open to
    guests. Members of a body: whoever sits in that body, invited in any role.
    Named delegates: exactly those named.
    """
    if rule.audience is Audience.ALL_INVITED:
        return not recipient.is_guest or rule.open_to_guests
    if rule.audience is Audience.BODY_MEMBERS:
        return rule.body_id in recipient.body_ids
    return recipient.user_id in rule.named_user_ids


def audience_rule(document: Document) -> AudienceRule:
    return AudienceRule(
        audience=Audience(document.audience),
        body_id=document.audience_body_id,
        open_to_guests=document.open_to_guests,
        named_user_ids=frozenset(r.user_id for r in document.named_recipients),
    )


def recipients_for(session: Session, invitations: list[Invitation]) -> dict[int, Recipient]:
    """The recipients behind invitations, by user id, with one query for the memberships."""
    body_ids: dict[int, set[int]] = defaultdict(set)
    for user_id, body_id in session.execute(
            select(Membership.user_id, Membership.body_id)
            .where(Membership.user_id.in_([i.user_id for i in invitations]))):
        body_ids[user_id].add(body_id)
    return {i.user_id: Recipient(i.user_id, i.is_guest, frozenset(body_ids[i.user_id]))
            for i in invitations}


def recipient_for(session: Session, invitation: Invitation) -> Recipient:
    return recipients_for(session, [invitation])[invitation.user_id]


def entitled_documents(session: Session, invitation: Invitation) -> list[Document]:
    """The meeting's documents this invitation entitles its delegate to."""
    recipient = recipient_for(session, invitation)
    documents = session.scalars(
        select(Document).where(Document.meeting_id == invitation.meeting_id).order_by(Document.id)
    )
    return [doc for doc in documents if is_entitled(recipient, audience_rule(doc))]
