"""API: attendance at a session and written consultations, over the web's services.

Who may do what is the web's: the staff read a meeting's attendance, a delegate answers for
themselves until the session starts; a consultation is seen by staff, auditors and the
members it was put to, answered by those members until its deadline.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Response, current_app, url_for
from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..attendance.models import AttendanceAnswer, AttendanceChoice
from ..attendance.services import (
    AnswerDetails,
    AttendanceError,
    answer_history,
    attendance_list,
    current_answer,
    give_answer,
    may_answer,
)
from ..consultation import services as consulting
from ..consultation.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationStatus,
)
from ..consultation.papers import answer_receipt
from ..consultation.reminders import waiting_members
from ..documents.blobs import blob_store
from ..errors import DomainError
from ..extensions import db
from ..issuance.runner import link_settings, worker_config
from ..meetings.models import Invitation, Meeting
from ..meetings.services import invitation_of
from ..tracking.files import content_disposition
from . import auth
from .around_schemas import (
    AttendanceAnswerIn,
    AttendanceListOut,
    ConsultationAnswerIn,
    ConsultationAnswerOut,
    ConsultationOut,
    ConsultationPage,
    MyAttendanceOut,
    ResultOut,
    WhoAnsweredOut,
)
from .auth import api_actor, caller
from .common import (
    ID,
    MEETING,
    api_blueprint,
    json_response,
    not_found,
    problems,
    refused,
    with_meeting,
)
from .problems import problem
from .schemas import PageArgs

bp = api_blueprint("api_around", "/api/v1",
                   "Attendance (tham dự) and written consultations (xin ý kiến).")


def _user(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "title": user.title}


# --- attendance --------------------------------------------------------------------


def _my_invitation(meeting: Meeting) -> Invitation | None:
    """The caller's own invitation as a delegate (the web's answer page), else ``None``."""
    user = caller().user
    if not user.has_role(Role.DELEGATE):
        return None
    return invitation_of(db.session, meeting, user)


def _attendance_answer(answer: AttendanceAnswer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {"id": answer.id, "choice": answer.choice, "reason": answer.reason,
            "stand_in_name": answer.stand_in_name,
            "stand_in_position": answer.stand_in_position,
            "stand_in_user_id": answer.stand_in_user_id, "answered_at": answer.answered_at}


@bp.get(f"{MEETING}/attendance")
@with_meeting(staff=True)
@bp.response(200, AttendanceListOut)
@problems(bp, 403, 404)
def read_attendance(meeting: Meeting) -> Response:
    """Read a meeting's attendance list: answers, reasons and presence (staff)"""
    listed = attendance_list(db.session, meeting)
    return json_response(AttendanceListOut().dump({
        "meeting_id": meeting.id, "attending": listed.attending, "absent": listed.absent,
        "unanswered": listed.unanswered, "present": listed.present,
        "presence_recorded": listed.presence_recorded,
        "rows": [{"number": row.number, "user": _user(row.user), "position": row.position,
                  "answer": _attendance_answer(row.answer), "present": row.present}
                 for row in listed.rows]}))


def _mine(invitation: Invitation) -> Response:
    meeting = invitation.meeting
    return json_response(MyAttendanceOut().dump({
        "meeting_id": meeting.id, "open": may_answer(meeting, auth.now()),
        "allows_stand_in": meeting.body.allows_stand_in,
        "answer": _attendance_answer(current_answer(db.session, meeting.id,
                                                    invitation.user_id)),
        "history": [_attendance_answer(a) for a in answer_history(
            db.session, meeting.id, invitation.user_id)]}))


@bp.get(f"{MEETING}/attendance/mine")
@with_meeting()
@bp.response(200, MyAttendanceOut)
@problems(bp, 404)
def read_my_attendance(meeting: Meeting) -> Response:
    """Read your own answer to a meeting's invitation, and whether it can still change"""
    invitation = _my_invitation(meeting)
    if invitation is None:
        return not_found("lời mời này", "invitation")
    return _mine(invitation)


@bp.put(f"{MEETING}/attendance/mine")
@with_meeting()
@bp.arguments(AttendanceAnswerIn)
@bp.response(200, MyAttendanceOut)
@problems(bp, 400, 404, 409, 422)
def answer_attendance(data: dict[str, Any], meeting: Meeting) -> Response:
    """Say whether you will attend, or why not (until the session starts)"""
    invitation = _my_invitation(meeting)
    if invitation is None:
        return not_found("lời mời này", "invitation")
    try:
        give_answer(db.session, invitation, AnswerDetails(
            choice=AttendanceChoice(data["choice"]), reason=data["reason"],
            stand_in_name=data["stand_in_name"], stand_in_position=data["stand_in_position"],
            stand_in_user_id=data["stand_in_user_id"]), api_actor(), auth.now())
    except AttendanceError as error:
        return refused(error)
    return _mine(invitation)


# --- consultations -----------------------------------------------------------------


def _rule() -> str:
    return str(current_app.config["CONSULTATION_PASS_RULE"])


def _consultation(consultation_id: int) -> Consultation | None:
    """The consultation if the caller may see it, closed first if its deadline passed
    (as the web does on reading it)."""
    try:
        consultation = consulting.read_consultation(db.session, caller().user,
                                                    consultation_id, _rule(), auth.now())
    except consulting.NotVisible:
        return None
    db.session.commit()
    return consultation


def _not_found() -> Response:
    return not_found("đợt xin ý kiến này", "consultation")


def _summary(c: Consultation) -> dict[str, Any]:
    return {"id": c.id, "subject": c.subject, "body": c.body, "status": c.status,
            "deadline": c.deadline, "opened_at": c.opened_at, "closed_at": c.closed_at,
            "meeting_id": c.meeting_id}


def _answer(c: Consultation, answer: ConsultationAnswer) -> dict[str, Any]:
    return {"id": answer.id, "question_id": answer.question_id, "choice": answer.choice,
            "comment": answer.comment, "answered_at": answer.answered_at,
            "draft_version": answer.document_version.number,
            "draft_sha256": answer.draft_sha256,
            "receipt_url": url_for(".receipt", consultation_id=c.id, answer_id=answer.id)}


def _member_answers(people: list[User], question: ConsultationQuestion,
                    answers: dict[tuple[int, int], ConsultationAnswer]) -> list[dict[str, Any]]:
    rows = []
    for person in people:
        found = answers.get((question.id, person.id))
        rows.append({"user": _user(person), "choice": found.choice if found else None,
                     "comment": found.comment if found else None,
                     "answered_at": found.answered_at if found else None})
    return rows


@bp.get("/consultations/")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, ConsultationPage, description="Latest deadline first, then id.")
@problems(bp)
def list_consultations(page: int, per_page: int) -> Response:
    """List the written consultations you may see"""
    query = consulting.visible_consultations_query(caller().user)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(db.session.scalars(
        query.order_by(Consultation.deadline.desc(), Consultation.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    for consultation in found:
        consulting.close_if_due(db.session, consultation, _rule(), auth.now())
    return json_response(ConsultationPage().dump({
        "items": [_summary(c) for c in found],
        "pagination": {"page": page, "per_page": per_page, "total": total,
                       "pages": max(1, math.ceil(total / per_page))}}))


@bp.get(f"/consultations/<{ID}:consultation_id>")
@bp.response(200, ConsultationOut)
@problems(bp, 404)
def read_consultation(consultation_id: int) -> Response:
    """Read a consultation: questions, drafts, deadline, your answers, others' once shown"""
    consultation = _consultation(consultation_id)
    if consultation is None:
        return _not_found()
    user = caller().user
    member = consulting.is_member(db.session, consultation, user)
    visible = (consultation.status != ConsultationStatus.DRAFT.value
               and consulting.answers_visible_to(consultation, user, current_app.config))
    answers = consulting.current_answers(db.session, consultation)
    people = consulting.members(db.session, consultation) if visible else []
    questions = []
    for q in consultation.questions:
        version = q.document.current_version
        mine = None
        if member:
            copy = consulting.own_draft_copy(db.session, q, user)
            history = consulting.answer_history(db.session, q, user)
            mine = {"draft_copy_id": copy.id if copy else None,
                    "answer": _answer(consultation, history[0]) if history else None,
                    "history": [_answer(consultation, a) for a in history]}
        questions.append({
            "id": q.id, "position": q.position, "text": q.text,
            "draft": {"document_id": q.document_id, "symbol": q.document.symbol,
                      "title": q.document.title, "version": version.number if version else 0,
                      "sha256": version.blob_sha256 if version else ""},
            "mine": mine,
            "answers": _member_answers(people, q, answers) if visible else None})
    return json_response(ConsultationOut().dump(_summary(consultation) | {
        "accepting": consulting.is_accepting(consultation, auth.now()), "member": member,
        "answers_visible": visible, "questions": questions}))


@bp.post(f"/consultations/<{ID}:consultation_id>/questions/<{ID}:question_id>/answer")
@bp.arguments(ConsultationAnswerIn)
@bp.response(201, ConsultationAnswerOut,
             description="Your answer, recorded as a new version (the same answer sent "
                         "again is not a new one).")
@problems(bp, 400, 403, 404, 409, 422)
def answer_question(data: dict[str, Any], consultation_id: int, question_id: int
                    ) -> Response:
    """Answer a question: agree, disagree, or other with a comment (members, until deadline)"""
    consultation = _consultation(consultation_id)
    question = db.session.get(ConsultationQuestion, question_id) if consultation else None
    if consultation is None or question is None or question.consultation_id != consultation.id:
        return _not_found()
    user = caller().user
    if not (user.has_role(Role.DELEGATE) and consulting.is_member(db.session, consultation,
                                                                  user)):
        return problem(403, ("Chỉ ủy viên được xin ý kiến mới trả lời.",
                             "Only the members consulted answer."))
    try:
        answer = consulting.answer_question(db.session, question, user, data["choice"],
                                            data["comment"], api_actor(), auth.now())
    except DomainError as error:
        return refused(error)
    response = json_response(ConsultationAnswerOut().dump(_answer(consultation, answer)), 201)
    response.headers["Location"] = url_for(".receipt", consultation_id=consultation.id,
                                           answer_id=answer.id)
    return response


@bp.get(f"/consultations/<{ID}:consultation_id>/answers/<{ID}:answer_id>/receipt")
@bp.response(200, description="The receipt, a PDF signed by the office.",
             content_type="application/pdf")
@problems(bp, 404, 409)
def receipt(consultation_id: int, answer_id: int) -> Response:
    """Download the office-signed receipt of one of your answers (made once, then kept)"""
    consultation = _consultation(consultation_id)
    found = (consulting.answer_of_user_or_none(db.session, consultation, answer_id,
                                               caller().user) if consultation else None)
    if consultation is None or found is None:
        return not_found("câu trả lời này", "answer")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        made = answer_receipt(db.session, worker_config(app), link_settings(app), found,
                              api_actor(), auth.now())
    except DomainError as error:
        return refused(error)
    db.session.commit()  # the receipt and its audit row, before the file is sent
    name = f"xac-nhan-y-kien-{consultation.id}-{found.question.position}-{found.id}.pdf"
    return Response(blob_store(current_app.config).path_for(made.sha256).read_bytes(),
                    mimetype="application/pdf", headers={
                        "Content-Disposition": content_disposition(name, attachment=True),
                        "Cache-Control": "private, no-store"})


@bp.get(f"/consultations/<{ID}:consultation_id>/answers")
@bp.response(200, WhoAnsweredOut)
@problems(bp, 403, 404)
def who_answered(consultation_id: int) -> Response:
    """Read who answered what, member by member (staff, auditors; members once shown)"""
    consultation = _consultation(consultation_id)
    if consultation is None:
        return _not_found()
    if not consulting.answers_visible_to(consultation, caller().user, current_app.config):
        return problem(403, ("Ý kiến của các ủy viên khác chỉ được xem sau khi kết thúc.",
                             "Other members' answers are shown after the consultation "
                             "closes."))
    people = consulting.members(db.session, consultation)
    answers = consulting.current_answers(db.session, consultation)
    waiting = (waiting_members(db.session, consultation)
               if consultation.status == ConsultationStatus.OPEN.value else [])
    return json_response(WhoAnsweredOut().dump({
        "consultation_id": consultation.id, "status": consultation.status,
        "members": len(people), "waiting": [_user(u) for u in waiting],
        "questions": [{"question_id": q.id, "position": q.position,
                       "answers": _member_answers(people, q, answers)}
                      for q in consultation.questions]}))


@bp.get(f"/consultations/<{ID}:consultation_id>/result")
@bp.response(200, ResultOut)
@problems(bp, 404, 409)
def result(consultation_id: int) -> Response:
    """Read a closed consultation's tally: per question, the answers and whether it passed"""
    consultation = _consultation(consultation_id)
    if consultation is None:
        return _not_found()
    if consultation.status != ConsultationStatus.CLOSED.value:
        return problem(409, ("Kết quả có khi đợt xin ý kiến kết thúc.",
                             "The result is issued when the consultation closes."))
    rule = consultation.pass_rule or _rule()
    return json_response(ResultOut().dump({
        "consultation_id": consultation.id, "closed_at": consultation.closed_at,
        "closed_by_hand": consultation.closed_by_id is not None, "rule": rule,
        "result_sha256": consultation.result_sha256,
        "questions": [{"question_id": t.question.id, "position": t.question.position,
                       "text": t.question.text, "agree": t.agree, "disagree": t.disagree,
                       "other": t.other, "no_answer": t.no_answer, "members": t.members,
                       "passed": t.passed}
                      for t in consulting.tally(db.session, consultation, rule)]}))
