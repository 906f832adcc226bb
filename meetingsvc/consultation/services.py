"""Opening a written consultation, taking the members' answers, closing and tallying it.

A consultation rides on a meeting of kind ``consultation`` (its container): the
body's members are its invitations, each question an agenda item whose draft is
a document of the container. Opening it issues the drafts through the issuance
pipeline unchanged, so every member gets a personalised copy signed by the office,
tracked, recallable and in the meeting's evidence ZIP.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from ..accounts.models import Body, Membership, Role, User
from ..audit.services import Actor, record
from ..documents.blobs import BlobStore
from ..documents.models import Audience, DocumentVersion
from ..documents.services import DocumentDetails, Upload, create_document
from ..errors import N_, DomainError
from ..issuance.models import CopyKind, IssuanceJob, IssuedCopy
from ..issuance.planning import IssuancePlan, plan_issuance, start_issuance
from ..meetings.models import Invitation, Meeting, MeetingKind
from ..meetings.services import STAFF_ROLES, MeetingDetails, add_agenda_item, create_meeting
from .models import (
    Choice,
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationStatus,
)


class ConsultationError(DomainError):
    """A consultation change or answer that cannot be made; the message says why."""


class NotVisible(Exception):
    """The user may not see this consultation; views answer 404."""


#: Longest comment kept with an answer.
COMMENT_MAX = 5000
#: The working rule of the Party's statutes, and its alternative.
PASS_RULES = ("majority_of_members", "majority_of_answers")
#: The container meeting's place line, on the drafts' stamps and covers.
CONSULTATION_PLACE = "Lấy ý kiến bằng văn bản"
DRAFT_KIND = "Dự thảo"


@dataclass(frozen=True)
class ConsultationDetails:
    body_id: int
    subject: str
    deadline: datetime


@dataclass(frozen=True)
class QuestionDetails:
    #: What the members are asked, e.g. "Đồng chí có đồng ý thông qua dự thảo … không?"
    text: str
    #: The draft's symbol and title, as on its first page.
    symbol: str
    title: str


# --- the secretariat: create, add questions, open ------------------------------------


def create_consultation(session: Session, store: BlobStore, details: ConsultationDetails,
                        question: QuestionDetails, upload: Upload, actor: Actor,
                        now: datetime) -> Consultation:
    """A draft consultation with its first question; nothing is issued yet."""
    subject = details.subject.strip()
    if not subject:
        raise ConsultationError(N_("A consultation needs a subject."))
    if details.deadline <= now:
        raise ConsultationError(N_("The deadline must be in the future."))
    body = session.get(Body, details.body_id)
    if body is None:
        raise ConsultationError(N_("Unknown body."))
    if not _member_ids(session, body.id):
        raise ConsultationError(N_("%(body)s has no active members to consult."),
                                body=body.name_vi)
    number = 1 + (session.scalar(select(func.count()).select_from(Consultation)
                                 .where(Consultation.body_id == body.id)) or 0)
    meeting = create_meeting(session, MeetingDetails(
        body_id=body.id, session_number=number, title=f"Xin ý kiến: {subject}"[:300],
        starts_at=details.deadline, place=CONSULTATION_PLACE), actor)
    meeting.kind = MeetingKind.CONSULTATION.value
    meeting.agenda_published = True
    consultation = Consultation(meeting_id=meeting.id, body_id=body.id, subject=subject,
                                deadline=details.deadline, created_by_id=actor.user_id,
                                status=ConsultationStatus.DRAFT.value)
    session.add(consultation)
    session.flush()
    record(session, "consultation.created", actor, object_type="consultation",
           object_id=consultation.id, meeting_id=meeting.id,
           details={"subject": subject, "body": body.code,
                    "deadline": details.deadline.isoformat()})
    add_question(session, store, consultation, question, upload, actor)
    return consultation


def add_question(session: Session, store: BlobStore, consultation: Consultation,
                 question: QuestionDetails, upload: Upload, actor: Actor
                 ) -> ConsultationQuestion:
    """Add a question and its draft (checked and cleaned as any uploaded paper)."""
    if consultation.status != ConsultationStatus.DRAFT.value:
        raise ConsultationError(N_("Questions can only be added before the consultation "
                                   "is opened."))
    text = question.text.strip()
    if not text:
        raise ConsultationError(N_("A question needs its text."))
    if not question.symbol.strip() or not question.title.strip():
        raise ConsultationError(N_("The draft needs a symbol and a title."))
    item = add_agenda_item(session, consultation.meeting, text[:500], None, actor)
    document = create_document(session, store, item, DocumentDetails(
        symbol=question.symbol, kind=DRAFT_KIND, title=question.title,
        audience=Audience.ALL_INVITED), upload, actor)
    row = ConsultationQuestion(consultation_id=consultation.id,
                               position=len(consultation.questions) + 1, text=text,
                               document_id=document.id)
    session.add(row)
    session.flush()
    session.refresh(consultation, ["questions"])
    version = document.current_version
    record(session, "consultation.question_added", actor, object_type="consultation",
           object_id=consultation.id, meeting_id=consultation.meeting_id,
           details={"position": row.position, "question": text, "symbol": document.symbol,
                    "draft_sha256": version.blob_sha256 if version else None})
    return row


def open_plan(session: Session, consultation: Consultation,
              policy: Mapping[str, str]) -> IssuancePlan:
    """What opening would issue: one signed copy of each draft per member."""
    return plan_issuance(session, consultation.meeting, policy)


def open_consultation(session: Session, consultation: Consultation, actor: Actor,
                      policy: Mapping[str, str], expected: str | None, now: datetime
                      ) -> IssuanceJob:
    """Issue the drafts to the members and start taking answers.

    ``expected`` is the plan's fingerprint the secretariat confirmed; a changed plan is
    refused (``PlanChanged``). The caller commits and starts the runner."""
    if consultation.status != ConsultationStatus.DRAFT.value:
        raise ConsultationError(N_("This consultation is already open."))
    if consultation.deadline <= now:
        raise ConsultationError(N_("The deadline has passed: set a later one first."))
    if not consultation.questions:
        raise ConsultationError(N_("Add at least one question first."))
    job = start_issuance(session, consultation.meeting, actor, policy, expected=expected)
    consultation.status = ConsultationStatus.OPEN.value
    consultation.opened_at = now
    record(session, "consultation.opened", actor, object_type="consultation",
           object_id=consultation.id, meeting_id=consultation.meeting_id,
           details={"job_id": job.id, "deadline": consultation.deadline.isoformat(),
                    "questions": [{"position": q.position, "symbol": q.document.symbol,
                                   "draft_sha256": _draft(q).blob_sha256}
                                  for q in consultation.questions]})
    return job


# --- who sees what ------------------------------------------------------------------


def _member_ids(session: Session, body_id: int) -> list[int]:
    return list(session.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.body_id == body_id, User.active.is_(True))
        .order_by(Membership.rank, User.full_name)))


def members(session: Session, consultation: Consultation) -> list[User]:
    """The body's active members now, in its order: the electorate of the tally."""
    ids = _member_ids(session, consultation.body_id)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    return [users[i] for i in ids]


def is_member(session: Session, consultation: Consultation, user: User) -> bool:
    """An active member of the body, called to this consultation when it opened."""
    return user.id in _member_ids(session, consultation.body_id) and bool(session.scalar(
        select(exists().where(Invitation.meeting_id == consultation.meeting_id,
                              Invitation.user_id == user.id))))


def visible_consultations_query(user: User):  # type: ignore[no-untyped-def]
    """All for staff and auditors; for a delegate, the opened ones they were called to."""
    query = select(Consultation)
    if not user.has_role(*STAFF_ROLES, Role.AUDITOR):
        query = query.where(
            Consultation.status != ConsultationStatus.DRAFT.value,
            exists().where(Invitation.meeting_id == Consultation.meeting_id,
                           Invitation.user_id == user.id))
    return query


def get_visible_consultation(session: Session, user: User, consultation_id: int
                             ) -> Consultation:
    consultation = session.scalar(visible_consultations_query(user)
                                  .where(Consultation.id == consultation_id))
    if consultation is None:
        raise NotVisible
    return consultation


def consultation_of_meeting(session: Session, meeting: Meeting) -> Consultation | None:
    return session.scalar(select(Consultation).where(Consultation.meeting_id == meeting.id))


def answers_visible_to(consultation: Consultation, user: User,
                       config: Mapping[str, Any]) -> bool:
    """Whether ``user`` sees other members' answers: staff and auditors always, members
    once it closed (or before, if ``CONSULTATION_ANSWERS_VISIBLE_BEFORE_CLOSE``)."""
    if user.has_role(*STAFF_ROLES, Role.AUDITOR):
        return True
    return (consultation.status == ConsultationStatus.CLOSED.value
            or bool(config["CONSULTATION_ANSWERS_VISIBLE_BEFORE_CLOSE"]))


def own_draft_copy(session: Session, question: ConsultationQuestion, user: User
                   ) -> IssuedCopy | None:
    """The member's live signed copy of the question's draft, once issued."""
    return session.scalar(
        select(IssuedCopy).join(DocumentVersion,
                                DocumentVersion.id == IssuedCopy.document_version_id)
        .where(IssuedCopy.meeting_id == question.consultation.meeting_id,
               IssuedCopy.user_id == user.id, IssuedCopy.kind == CopyKind.ITEM.value,
               DocumentVersion.document_id == question.document_id,
               IssuedCopy.recalled_at.is_(None), IssuedCopy.superseded_at.is_(None))
        .order_by(IssuedCopy.id.desc()).limit(1))


# --- answers --------------------------------------------------------------------------


def _draft(question: ConsultationQuestion) -> DocumentVersion:
    version = question.document.current_version
    assert version is not None  # a document always has its first version
    return version


def is_accepting(consultation: Consultation, now: datetime) -> bool:
    return consultation.status == ConsultationStatus.OPEN.value and now < consultation.deadline


def answer_question(session: Session, question: ConsultationQuestion, user: User,
                    choice: str, comment: str | None, actor: Actor, now: datetime
                    ) -> ConsultationAnswer:
    """Record the member's answer as a new version; the earlier ones stay.

    The same answer posted again (a double submit) makes no new version."""
    consultation = question.consultation
    if not is_accepting(consultation, now):
        raise ConsultationError(N_("The consultation is closed: answers are no longer "
                                   "taken."))
    if not is_member(session, consultation, user):
        raise ConsultationError(N_("Only members of %(body)s answer this consultation."),
                                body=consultation.body.name_vi)
    try:
        picked = Choice(choice)
    except ValueError:
        raise ConsultationError(N_("Choose Agree, Disagree or Other opinion."),
                                field="choice") from None
    text = (comment or "").strip() or None
    if picked is Choice.OTHER and text is None:
        raise ConsultationError(N_("Write your opinion when you choose Other opinion."),
                                field="comment")
    if text is not None and len(text) > COMMENT_MAX:
        raise ConsultationError(N_("A comment is at most 5000 characters."), field="comment")
    last = latest_answer(session, question, user)
    if last is not None and last.choice == picked.value and last.comment == text:
        return last
    version = _draft(question)
    row = ConsultationAnswer(question_id=question.id, user_id=user.id, choice=picked.value,
                             comment=text, answered_at=now, document_version_id=version.id,
                             draft_sha256=version.blob_sha256)
    session.add(row)
    session.flush()
    record(session, "consultation.answered", actor, object_type="consultation_answer",
           object_id=row.id, meeting_id=consultation.meeting_id,
           details={"consultation_id": consultation.id, "question": question.position,
                    "user": user.username, "choice": picked.value, "comment": text,
                    "changed": last is not None, "draft_version": version.number,
                    "draft_sha256": version.blob_sha256})
    return row


def latest_answer(session: Session, question: ConsultationQuestion, user: User
                  ) -> ConsultationAnswer | None:
    return session.scalar(select(ConsultationAnswer).where(
        ConsultationAnswer.question_id == question.id, ConsultationAnswer.user_id == user.id)
        .order_by(ConsultationAnswer.id.desc()).limit(1))


def answer_history(session: Session, question: ConsultationQuestion, user: User
                   ) -> list[ConsultationAnswer]:
    """Every version of the member's answer, the newest first."""
    return list(session.scalars(select(ConsultationAnswer).where(
        ConsultationAnswer.question_id == question.id, ConsultationAnswer.user_id == user.id)
        .order_by(ConsultationAnswer.id.desc())))


def current_answers(session: Session, consultation: Consultation
                    ) -> dict[tuple[int, int], ConsultationAnswer]:
    """(question id, user id) → the latest answer, for every answer given."""
    latest = (select(func.max(ConsultationAnswer.id))
              .join(ConsultationQuestion,
                    ConsultationQuestion.id == ConsultationAnswer.question_id)
              .where(ConsultationQuestion.consultation_id == consultation.id)
              .group_by(ConsultationAnswer.question_id, ConsultationAnswer.user_id))
    rows = session.scalars(select(ConsultationAnswer).where(ConsultationAnswer.id.in_(latest)))
    return {(a.question_id, a.user_id): a for a in rows}


def answer_of_user_or_none(session: Session, consultation: Consultation, answer_id: int,
                           user: User) -> ConsultationAnswer | None:
    answer = session.get(ConsultationAnswer, answer_id)
    if (answer is None or answer.user_id != user.id
            or answer.question.consultation_id != consultation.id):
        return None
    return answer


# --- close and tally ------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionTally:
    question: ConsultationQuestion
    agree: int
    disagree: int
    other: int
    no_answer: int
    #: The body's active members: the denominator of ``majority_of_members``.
    members: int
    passed: bool

    @property
    def answered(self) -> int:
        return self.agree + self.disagree + self.other


def tally(session: Session, consultation: Consultation, rule: str) -> list[QuestionTally]:
    """Per question: agree, disagree, other and no answer among the body's active members,
    and whether it passed by ``rule`` (more agrees than half of the members, or of the
    answers given). Answers of people no longer members do not count."""
    if rule not in PASS_RULES:
        raise ValueError(f"unknown pass rule {rule!r}")
    electorate = set(_member_ids(session, consultation.body_id))
    answers = current_answers(session, consultation)
    tallies = []
    for question in consultation.questions:
        choices = [a.choice for (q, u), a in answers.items()
                   if q == question.id and u in electorate]
        agree = choices.count(Choice.AGREE.value)
        disagree = choices.count(Choice.DISAGREE.value)
        other = choices.count(Choice.OTHER.value)
        base = len(electorate) if rule == "majority_of_members" else len(choices)
        tallies.append(QuestionTally(question, agree, disagree, other,
                                     len(electorate) - len(choices), len(electorate),
                                     passed=base > 0 and 2 * agree > base))
    return tallies


def close_consultation(session: Session, consultation: Consultation, actor: Actor | None,
                       rule: str, now: datetime) -> bool:
    """Close it (by hand when ``actor`` is given, else at the deadline) and audit the tally.

    One conditional update decides who closes it, so closing twice, or two readers
    closing it lazily at once, records it once. Returns whether this call closed it."""
    closed = session.execute(
        update(Consultation).where(Consultation.id == consultation.id,
                                   Consultation.status == ConsultationStatus.OPEN.value)
        .values(status=ConsultationStatus.CLOSED.value, closed_at=now, pass_rule=rule,
                closed_by_id=actor.user_id if actor else None)
        .execution_options(synchronize_session=False))
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(consultation)
        return False
    session.refresh(consultation)
    results = tally(session, consultation, rule)
    record(session, "consultation.closed", actor or Actor(username="system"),
           object_type="consultation", object_id=consultation.id,
           meeting_id=consultation.meeting_id,
           details={"by_hand": actor is not None, "rule": rule,
                    "deadline": consultation.deadline.isoformat(),
                    "tally": [{"question": t.question.position, "agree": t.agree,
                               "disagree": t.disagree, "other": t.other,
                               "no_answer": t.no_answer, "members": t.members,
                               "passed": t.passed} for t in results]})
    return True


def close_if_due(session: Session, consultation: Consultation, rule: str,
                 now: datetime) -> bool:
    """Close an open consultation whose deadline has passed (on reading it, or from the
    periodic check); does nothing otherwise."""
    if consultation.status != ConsultationStatus.OPEN.value or now < consultation.deadline:
        return False
    return close_consultation(session, consultation, None, rule, now)


def read_consultation(session: Session, user: User, consultation_id: int, rule: str,
                      now: datetime) -> Consultation:
    """The consultation if ``user`` may see it (else ``NotVisible``), closed first if its
    deadline passed, so whoever reads it late sees it closed. The caller commits at once:
    the close stays whatever the request does next."""
    consultation = get_visible_consultation(session, user, consultation_id)
    close_if_due(session, consultation, rule, now)
    return consultation


def close_due(session: Session, rule: str, now: datetime) -> int:
    """Close every open consultation past its deadline; for ``flask consultations close-due``."""
    due = session.scalars(select(Consultation).where(
        Consultation.status == ConsultationStatus.OPEN.value, Consultation.deadline <= now))
    return sum(close_if_due(session, c, rule, now) for c in list(due))
