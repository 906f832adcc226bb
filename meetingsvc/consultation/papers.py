"""The office-signed papers of a consultation: a receipt per answer, the result report.

Each is made once, on first request, signed with the office's key (as the
hand-over register is), stored by its SHA-256 and audited with that hash; later
requests serve the stored file, so what a member downloads twice is the same file.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signing import DocumentSigner, SigningLibraryError, SignRequest

from ..audit.services import Actor, record
from ..documents.blobs import BlobStore
from ..documents.models import Blob
from ..errors import N_
from ..issuance.production import WorkerConfig
from ..issuance.services import LinkSettings
from ..timezones import office_time
from .models import AnswerReceipt, Consultation, ConsultationAnswer, ConsultationStatus
from .pdf import ReceiptInfo, ResultInfo, ResultQuestion, ResultRow, render_receipt, render_result
from .services import ConsultationError, current_answers, members, tally

log = logging.getLogger(__name__)

__all__ = ["RULE_WORDS", "answer_receipt", "result_report"]

RULE_WORDS = {"majority_of_members": "quá nửa tổng số ủy viên",
              "majority_of_answers": "quá nửa số ý kiến trả lời"}


def _sign(config: WorkerConfig, pdf: bytes, metadata: dict[str, str], label: str) -> bytes:
    try:
        with DocumentSigner(config.signer) as signer:
            return signer.sign(pdf, SignRequest(metadata=metadata, label=label))
    except SigningLibraryError as error:
        log.warning("%s not signed: %s", label, error)
        raise ConsultationError(N_("The paper could not be signed (the signing key or the "
                                   "timestamp server did not answer). Try again in a "
                                   "moment.")) from error


def _store(session: Session, config: WorkerConfig, data: bytes) -> str:
    sha256 = BlobStore(Path(config.blob_dir)).put_bytes(data)
    if session.get(Blob, sha256) is None:
        session.add(Blob(sha256=sha256, size=len(data)))
        session.flush()
    return sha256


def answer_receipt(session: Session, config: WorkerConfig, links: LinkSettings,
                   answer: ConsultationAnswer, actor: Actor, now: datetime) -> AnswerReceipt:
    """The answer's signed receipt, made and audited the first time it is asked for."""
    existing = session.scalar(select(AnswerReceipt).where(AnswerReceipt.answer_id == answer.id))
    if existing is not None:
        return existing
    question = answer.question
    consultation = question.consultation
    version = answer.document_version
    revision = session.scalar(select(func.count()).select_from(ConsultationAnswer).where(
        ConsultationAnswer.question_id == answer.question_id,
        ConsultationAnswer.user_id == answer.user_id, ConsultationAnswer.id <= answer.id)) or 1
    zone = links.office_zone
    info = ReceiptInfo(
        office_name=links.office_name, body_name=consultation.body.name_vi,
        subject=consultation.subject, consultation_id=consultation.id,
        member_name=answer.user.full_name, member_title=answer.user.title or "",
        question_number=question.position, question=question.text,
        draft_symbol=question.document.symbol, draft_title=question.document.title,
        draft_version=version.number, draft_sha256=answer.draft_sha256,
        choice=answer.choice, comment=answer.comment,
        answered_at=office_time(answer.answered_at, zone), revision=revision,
        made_at=office_time(now, zone))
    signed = _sign(config, render_receipt(info, font_dir=Path(config.font_dir)),
                   {"MeetingsvcConsultation": str(consultation.id),
                    "MeetingsvcAnswer": str(answer.id)}, "consultation-receipt")
    receipt = AnswerReceipt(answer_id=answer.id, sha256=_store(session, config, signed),
                            made_at=now)
    session.add(receipt)
    session.flush()
    record(session, "consultation.receipt_issued", actor, object_type="consultation_answer",
           object_id=answer.id, meeting_id=consultation.meeting_id,
           details={"consultation_id": consultation.id, "user": answer.user.username,
                    "question": question.position, "sha256": receipt.sha256,
                    "draft_sha256": answer.draft_sha256})
    return receipt


def result_report(session: Session, config: WorkerConfig, links: LinkSettings,
                  consultation: Consultation, actor: Actor, now: datetime) -> str:
    """The closed consultation's signed result report; its SHA-256 (stored blob)."""
    if consultation.status != ConsultationStatus.CLOSED.value:
        raise ConsultationError(N_("The result is issued when the consultation closes."))
    if consultation.result_sha256:
        return consultation.result_sha256
    zone = links.office_zone
    rule = consultation.pass_rule or "majority_of_members"
    people = members(session, consultation)
    answers = current_answers(session, consultation)
    questions = []
    for t in tally(session, consultation, rule):
        q = t.question
        version = q.document.current_version
        rows = []
        for user in people:
            answer = answers.get((q.id, user.id))
            rows.append(ResultRow(
                user.full_name, user.title or "", answer.choice if answer else None,
                answer.comment if answer else None,
                office_time(answer.answered_at, zone) if answer else None))
        questions.append(ResultQuestion(
            q.position, q.text, q.document.symbol, q.document.title,
            version.blob_sha256 if version else "", t.agree, t.disagree, t.other,
            t.no_answer, t.members, t.passed, tuple(rows)))
    assert consultation.closed_at is not None
    info = ResultInfo(
        office_name=links.office_name, body_name=consultation.body.name_vi,
        subject=consultation.subject, consultation_id=consultation.id,
        opened_at=office_time(consultation.opened_at, zone) if consultation.opened_at else None,
        deadline=office_time(consultation.deadline, zone),
        closed_at=office_time(consultation.closed_at, zone),
        closed_by_hand=consultation.closed_by_id is not None,
        rule_words=RULE_WORDS[rule], questions=tuple(questions),
        made_at=office_time(now, zone))
    signed = _sign(config, render_result(info, font_dir=Path(config.font_dir)),
                   {"MeetingsvcConsultation": str(consultation.id),
                    "MeetingsvcConsultationResult": "1"}, "consultation-result")
    consultation.result_sha256 = _store(session, config, signed)
    session.flush()
    record(session, "consultation.result_issued", actor, object_type="consultation",
           object_id=consultation.id, meeting_id=consultation.meeting_id,
           details={"sha256": consultation.result_sha256, "rule": rule,
                    "tally": [{"question": q.number, "agree": q.agree,
                               "disagree": q.disagree, "other": q.other,
                               "no_answer": q.no_answer, "passed": q.passed}
                              for q in questions]})
    return consultation.result_sha256
