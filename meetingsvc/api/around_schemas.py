"""Schemas of attendance, consultations, verification and the audit log in the API.

Bounds come from the services (``REASON_MAX``, ``COMMENT_MAX``), so the API and the web
refuse the same lengths.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..attendance.models import AttendanceChoice
from ..attendance.services import REASON_MAX
from ..consultation.models import Choice
from ..consultation.services import COMMENT_MAX
from .schemas import MAX_PER_PAGE, BodyRef, PageArgs, Pagination

_ID = validate.Range(min=1, max=2**31 - 1)


class UserRef(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    title = fields.String(allow_none=True)


# --- attendance --------------------------------------------------------------------


class AttendanceAnswerOut(Schema):
    id = fields.Integer(required=True)
    choice = fields.String(required=True, metadata={"enum": [c.value for c in AttendanceChoice]})
    reason = fields.String(allow_none=True)
    stand_in_name = fields.String(allow_none=True)
    stand_in_position = fields.String(allow_none=True)
    stand_in_user_id = fields.Integer(allow_none=True)
    answered_at = fields.AwareDateTime(required=True)


class AttendanceRowOut(Schema):
    number = fields.Integer(required=True)
    user = fields.Nested(UserRef, required=True)
    position = fields.String(required=True)
    answer = fields.Nested(AttendanceAnswerOut, allow_none=True, required=True,
                           metadata={"description": "null: no answer yet."})
    present = fields.Boolean(allow_none=True, required=True,
                             metadata={"description": "null: presence not recorded."})


class AttendanceListOut(Schema):
    meeting_id = fields.Integer(required=True)
    attending = fields.Integer(required=True)
    absent = fields.Integer(required=True)
    unanswered = fields.Integer(required=True)
    present = fields.Integer(required=True)
    presence_recorded = fields.Boolean(required=True)
    rows = fields.List(fields.Nested(AttendanceRowOut), required=True)


class MyAttendanceOut(Schema):
    meeting_id = fields.Integer(required=True)
    open = fields.Boolean(required=True,
                          metadata={"description": "Answers are taken until the session starts."})
    allows_stand_in = fields.Boolean(required=True)
    answer = fields.Nested(AttendanceAnswerOut, allow_none=True, required=True)
    history = fields.List(fields.Nested(AttendanceAnswerOut), required=True,
                          metadata={"description": "Every answer given, newest first."})


class AttendanceAnswerIn(Schema):
    choice = fields.String(required=True,
                           validate=validate.OneOf([c.value for c in AttendanceChoice]))
    reason = fields.String(load_default="", validate=validate.Length(max=REASON_MAX),
                           metadata={"description": "Required for an absence."})
    stand_in_name = fields.String(load_default="", validate=validate.Length(max=200))
    stand_in_position = fields.String(load_default="", validate=validate.Length(max=200))
    stand_in_user_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                      validate=_ID,
                                      metadata={"description": "The stand-in's account, when "
                                                               "the body allows a stand-in."})


# --- consultations -----------------------------------------------------------------


class ConsultationSummary(Schema):
    id = fields.Integer(required=True)
    subject = fields.String(required=True)
    body = fields.Nested(BodyRef, required=True)
    status = fields.String(required=True, metadata={"enum": ["draft", "open", "closed"]})
    deadline = fields.AwareDateTime(required=True)
    opened_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    meeting_id = fields.Integer(required=True,
                                metadata={"description": "The container meeting of the drafts."})


class ConsultationPage(Schema):
    items = fields.List(fields.Nested(ConsultationSummary), required=True)
    pagination = fields.Nested(Pagination, required=True)


class DraftRef(Schema):
    document_id = fields.Integer(required=True)
    symbol = fields.String(required=True)
    title = fields.String(required=True)
    version = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class ConsultationAnswerOut(Schema):
    id = fields.Integer(required=True)
    question_id = fields.Integer(required=True)
    choice = fields.String(required=True, metadata={"enum": [c.value for c in Choice]})
    comment = fields.String(allow_none=True)
    answered_at = fields.AwareDateTime(required=True)
    draft_version = fields.Integer(required=True)
    draft_sha256 = fields.String(required=True)
    receipt_url = fields.String(required=True,
                                metadata={"description": "The office-signed receipt (PDF)."})


class MemberAnswer(Schema):
    user = fields.Nested(UserRef, required=True)
    choice = fields.String(allow_none=True, required=True,
                           metadata={"description": "null: no answer."})
    comment = fields.String(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)


class MyQuestion(Schema):
    draft_copy_id = fields.Integer(allow_none=True, required=True,
                                   metadata={"description": "Your signed copy of the draft; "
                                                            "null while it is being issued."})
    answer = fields.Nested(ConsultationAnswerOut, allow_none=True, required=True)
    history = fields.List(fields.Nested(ConsultationAnswerOut), required=True)


class QuestionOut(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    text = fields.String(required=True)
    draft = fields.Nested(DraftRef, required=True)
    mine = fields.Nested(MyQuestion, allow_none=True, required=True,
                         metadata={"description": "null unless you are a member consulted."})
    answers = fields.List(fields.Nested(MemberAnswer), allow_none=True, required=True,
                          metadata={"description": "Every member's answer; null while other "
                                                   "members' answers are hidden from you."})


class ConsultationOut(ConsultationSummary):
    accepting = fields.Boolean(required=True)
    member = fields.Boolean(required=True)
    answers_visible = fields.Boolean(required=True)
    questions = fields.List(fields.Nested(QuestionOut), required=True)


class ConsultationAnswerIn(Schema):
    choice = fields.String(required=True, validate=validate.OneOf([c.value for c in Choice]))
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=COMMENT_MAX),
                            metadata={"description": "Required with choice other."})


class QuestionAnswers(Schema):
    question_id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    answers = fields.List(fields.Nested(MemberAnswer), required=True)


class WhoAnsweredOut(Schema):
    consultation_id = fields.Integer(required=True)
    status = fields.String(required=True)
    members = fields.Integer(required=True)
    waiting = fields.List(fields.Nested(UserRef), required=True,
                          metadata={"description": "Members who have not answered every "
                                                   "question (while open)."})
    questions = fields.List(fields.Nested(QuestionAnswers), required=True)


class QuestionResult(Schema):
    question_id = fields.Integer(required=True)
    position = fields.Integer(required=True)
    text = fields.String(required=True)
    agree = fields.Integer(required=True)
    disagree = fields.Integer(required=True)
    other = fields.Integer(required=True)
    no_answer = fields.Integer(required=True)
    members = fields.Integer(required=True)
    passed = fields.Boolean(required=True)


class ResultOut(Schema):
    consultation_id = fields.Integer(required=True)
    closed_at = fields.AwareDateTime(required=True)
    closed_by_hand = fields.Boolean(required=True)
    rule = fields.String(required=True)
    result_sha256 = fields.String(allow_none=True, required=True,
                                  metadata={"description": "The signed result report, once "
                                                           "made (the web makes it)."})
    questions = fields.List(fields.Nested(QuestionResult), required=True)


# --- verification ------------------------------------------------------------------


class VerifyUpload(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                               "description": "Any PDF."})


class TimestampOut(Schema):
    time = fields.String(allow_none=True)
    authority = fields.String(allow_none=True)
    valid = fields.Boolean(required=True)
    trusted = fields.Boolean(required=True)


class SignatureOut(Schema):
    field_name = fields.String(required=True)
    kind = fields.String(required=True)
    signer = fields.String(allow_none=True, required=True)
    claimed_signing_time = fields.String(allow_none=True, required=True)
    trusted = fields.Boolean(required=True)
    revocation = fields.String(required=True)
    intact = fields.Boolean(required=True)
    valid = fields.Boolean(required=True)
    coverage = fields.String(required=True)
    timestamp = fields.Nested(TimestampOut, allow_none=True, required=True)
    profile = fields.String(allow_none=True, required=True)
    indication = fields.String(required=True)
    sub_indication = fields.String(allow_none=True, required=True)
    chain = fields.List(fields.Dict(), required=True)


class ReportOut(Schema):
    indication = fields.String(required=True,
                               metadata={"enum": ["TOTAL_PASSED", "INDETERMINATE",
                                                  "TOTAL_FAILED"]})
    sub_indication = fields.String(allow_none=True, required=True)
    explanation_vi = fields.String(required=True)
    explanation_en = fields.String(required=True)
    file_sha256 = fields.String(required=True)
    file_size = fields.Integer(required=True)
    signatures = fields.List(fields.Nested(SignatureOut), required=True)
    copy_metadata = fields.Dict(required=True)
    revisions = fields.Integer(required=True)
    detail = fields.String(allow_none=True)


class CopyTraceOut(Schema):
    copy_id = fields.Integer(required=True)
    found_by = fields.String(required=True)
    match = fields.String(required=True, metadata={"enum": ["exact", "altered"]})
    same_signature = fields.Boolean(allow_none=True, required=True)
    difference = fields.Dict(required=True)
    meeting_id = fields.Integer(required=True)
    meeting_title = fields.String(required=True)
    document_symbol = fields.String(allow_none=True, required=True)
    document_title = fields.String(allow_none=True, required=True)
    version_number = fields.Integer(allow_none=True, required=True)
    copy_label = fields.String(required=True)
    delegate_username = fields.String(required=True)
    delegate_name = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["current", "superseded",
                                                            "recalled"]})


class VerificationOut(Schema):
    """The web verifier's report, as its JSON: verdict, signatures, and whose copy it is."""

    id = fields.Integer(required=True)
    file_name = fields.String(required=True)
    verified_at = fields.String(required=True)
    verified_by = fields.String(allow_none=True, required=True)
    verification = fields.Nested(ReportOut, required=True)
    issued_copy = fields.Nested(CopyTraceOut, allow_none=True, required=True,
                                metadata={"description": "The issued copy the file is; null "
                                                         "when it is none."})
    claimed_copy = fields.Dict(allow_none=True, required=True,
                               metadata={"description": "Copy metadata matching no issued "
                                                        "copy: a forgery's claim."})


# --- the audit log -----------------------------------------------------------------


class LogArgs(PageArgs):
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": f"Entries per page, 1 to {MAX_PER_PAGE}."})
    action = fields.String(validate=validate.Length(min=1, max=80),
                           metadata={"description": "An action code, or a prefix ending in a "
                                                    "dot (copy.)."})
    meeting_id = fields.Integer(validate=_ID)
    actor = fields.String(validate=validate.Length(min=1, max=80),
                          metadata={"description": "A username: what they did, or what was "
                                                   "done about them."})
    since = fields.Date(metadata={"description": "From this office calendar day."})
    until = fields.Date(metadata={"description": "To this office calendar day, inclusive."})


class ActorOut(Schema):
    id = fields.Integer(allow_none=True, required=True)
    username = fields.String(allow_none=True, required=True)
    full_name = fields.String(allow_none=True, required=True)


class DetailOut(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    text = fields.String(required=True)


class EntryOut(Schema):
    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True)
    action_label_vi = fields.String(required=True)
    action_label_en = fields.String(required=True)
    actor = fields.Nested(ActorOut, required=True)
    object_type = fields.String(allow_none=True, required=True)
    object_id = fields.String(allow_none=True, required=True)
    meeting_id = fields.Integer(allow_none=True, required=True)
    address = fields.String(allow_none=True, required=True)
    details = fields.Dict(required=True, metadata={"description": "As recorded."})
    readable = fields.List(fields.Nested(DetailOut), required=True,
                           metadata={"description": "The details in words, in the "
                                                    "request's language."})
    holds = fields.Boolean(required=True,
                           metadata={"description": "The row still matches its own hash."})
    checkpointed = fields.Boolean(required=True)
    prev_hash = fields.String(required=True)
    row_hash = fields.String(required=True)


class LogPageOut(Schema):
    items = fields.List(fields.Nested(EntryOut), required=True)
    pagination = fields.Nested(Pagination, required=True)


class ChainCheckOut(Schema):
    intact = fields.Boolean(required=True)
    rows = fields.Integer(required=True)
    first_broken_id = fields.Integer(allow_none=True, required=True)
    reason = fields.String(allow_none=True, required=True)
    first_broken = fields.Nested(EntryOut, allow_none=True, required=True)
    checkpoints = fields.Integer(required=True)
    checkpoint_problems = fields.List(fields.String(), required=True)
    newest_checkpoint = fields.Integer(allow_none=True, required=True)
    rows_after_newest_checkpoint = fields.Integer(required=True)
