"""Pages of a written consultation: the secretariat opens, reminds and closes it; the
body's members read the drafts and answer; auditors read. Anyone else gets 404."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import (
    current_actor,
    flash_error,
    flash_reminders_sent,
    roles_required,
    the_user,
)
from ..accounts.models import Body, Role
from ..documents.blobs import BlobStore
from ..documents.pdfcheck import PdfLimits
from ..documents.services import ActiveContentPolicy, Upload
from ..errors import N_, DomainError
from ..extensions import db
from ..issuance.planning import PlanChanged
from ..issuance.runner import link_settings, start_runner, worker_config
from ..mail import MailError, MailSettings, smtp_outbox
from ..meetings.forms import EmptyForm
from ..meetings.services import STAFF_ROLES
from ..models_common import utcnow
from ..timezones import office_time, office_zone
from ..tracking.files import send_stored_file
from .forms import CHOICE_LABELS, AnswerForm, ConsultationForm, QuestionFields
from .models import Consultation, ConsultationAnswer, ConsultationQuestion, ConsultationStatus
from .papers import answer_receipt, result_report
from .reminders import (
    ConsultationReminderRequest,
    deliver_reminders,
    plan_reminders,
    waiting_members,
)
from .services import (
    ConsultationDetails,
    NotVisible,
    QuestionDetails,
    add_question,
    answer_history,
    answer_of_user_or_none,
    answer_question,
    answers_visible_to,
    close_consultation,
    close_due,
    close_if_due,
    create_consultation,
    current_answers,
    is_accepting,
    is_member,
    members,
    open_consultation,
    open_plan,
    own_draft_copy,
    read_consultation,
    tally,
    visible_consultations_query,
)

bp = Blueprint("consultation", __name__, url_prefix="/consultations")
READERS = (*STAFF_ROLES, Role.AUDITOR, Role.DELEGATE)
RULE_LABELS = {"majority_of_members": N_("half of all the body's members"),
               "majority_of_answers": N_("half of the answers given")}


def now() -> datetime:
    """The clock deadlines are judged by (one place, so tests can pin it)."""
    return utcnow()


def _rule() -> str:
    return str(current_app.config["CONSULTATION_PASS_RULE"])


def _store() -> BlobStore:
    return BlobStore(Path(current_app.config["BLOB_DIR"]))


def _upload(form: QuestionFields) -> Upload:
    config = current_app.config
    file = form.file.data
    return Upload(file.stream, file.filename or "du-thao.pdf", config["MAX_UPLOAD_BYTES"],
                  active_content=ActiveContentPolicy(config["ACTIVE_CONTENT_POLICY"]),
                  pdf_limits=PdfLimits(config["MAX_PDF_DECOMPRESSED_BYTES"],
                                       config["MAX_PDF_OBJECTS"]))


def _question_details(form: QuestionFields) -> QuestionDetails:
    return QuestionDetails(form.question.data or "", form.symbol.data or "",
                           form.title.data or "")


def consultation_or_404(consultation_id: int) -> Consultation:
    """The consultation if the user may see it, closed first if its deadline passed
    (once, audited once: the close is a conditional update)."""
    try:
        consultation = read_consultation(db.session, the_user(), consultation_id, _rule(),
                                         now())
    except NotVisible:
        abort(404)
    db.session.commit()
    return consultation


def _staff_consultation_or_404(consultation_id: int) -> Consultation:
    consultation = consultation_or_404(consultation_id)
    if not the_user().has_role(*STAFF_ROLES):
        abort(404)
    return consultation


def _question_or_404(consultation: Consultation, question_id: int) -> ConsultationQuestion:
    question = db.session.get(ConsultationQuestion, question_id)
    if question is None or question.consultation_id != consultation.id:
        abort(404)
    return question


def _back(consultation: Consultation, anchor: str = "") -> Response:
    return redirect(url_for(".show_consultation", consultation_id=consultation.id) + anchor)


def _pdf(sha256: str, name: str) -> Response:
    """A stored receipt or result, sent as every stored file is (by nginx when it is in front)."""
    return send_stored_file(sha256, name, attachment=True, no_store=True)


@bp.app_template_global("consultations_awaiting")
def consultations_awaiting() -> list[Consultation]:
    """The open consultations the signed-in member has not answered every question of,
    for the delegate's home page."""
    user = the_user()
    moment = now()
    found = db.session.scalars(visible_consultations_query(user).where(
        Consultation.status == ConsultationStatus.OPEN.value, Consultation.deadline > moment)
        .order_by(Consultation.deadline))
    return [c for c in found if is_member(db.session, c, user)
            and any(u.id == user.id for u in waiting_members(db.session, c))]


@bp.get("/")
@roles_required(*READERS)
def list_consultations() -> str:
    user = the_user()
    found = list(db.session.scalars(visible_consultations_query(user)
                                    .order_by(Consultation.deadline.desc())))
    for consultation in found:
        close_if_due(db.session, consultation, _rule(), now())
    db.session.commit()
    return render_template("consultation/list.html", consultations=found,
                           is_staff=user.has_role(*STAFF_ROLES))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_consultation() -> Response | str | tuple[str, int]:
    form = ConsultationForm()
    form.body_id.choices = [(b.id, b.name_vi) for b in db.session.scalars(
        select(Body).order_by(Body.id))]
    if form.validate_on_submit():
        deadline: datetime = form.deadline.data  # type: ignore[assignment]
        try:
            consultation = create_consultation(
                db.session, _store(), ConsultationDetails(
                    form.body_id.data, form.subject.data or "",
                    deadline.replace(tzinfo=office_zone())),
                _question_details(form), _upload(form), current_actor(), now())
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return render_template("consultation/new.html", form=form), 422
        db.session.commit()
        flash(_("Consultation prepared. Add any further question, then open it."), "success")
        return _back(consultation)
    status = 422 if form.is_submitted() else 200
    return render_template("consultation/new.html", form=form), status


@bp.get("/meeting/<int:meeting_id>")
@roles_required(*READERS)
def by_meeting(meeting_id: int) -> Response:
    """The consultation of a container meeting (the drafts' viewer links back to it)."""
    found = db.session.scalar(visible_consultations_query(the_user())
                              .where(Consultation.meeting_id == meeting_id))
    if found is None:
        abort(404)
    return _back(found)


@bp.get("/<int:consultation_id>")
@roles_required(*READERS)
def show_consultation(consultation_id: int) -> str:
    consultation = consultation_or_404(consultation_id)
    user = the_user()
    moment = now()
    answers = current_answers(db.session, consultation)
    member = is_member(db.session, consultation, user)
    people = members(db.session, consultation)
    mine = {}
    if member:
        for q in consultation.questions:
            mine[q.id] = {
                "draft_copy": own_draft_copy(db.session, q, user),
                "history": answer_history(db.session, q, user),
                "form": _answer_form(answers.get((q.id, user.id))),
            }
    closed = consultation.status == ConsultationStatus.CLOSED.value
    return render_template(
        "consultation/show.html", consultation=consultation, moment=moment,
        accepting=is_accepting(consultation, moment), member=member, mine=mine,
        is_staff=user.has_role(*STAFF_ROLES), people=people, answers=answers,
        see_answers=answers_visible_to(consultation, user, current_app.config),
        tallies=tally(db.session, consultation, consultation.pass_rule or _rule())
        if closed else None,
        rule_label=RULE_LABELS[consultation.pass_rule or _rule()],
        waiting=waiting_members(db.session, consultation)
        if consultation.status == ConsultationStatus.OPEN.value else [],
        question_form=QuestionFields(formdata=None), action_form=EmptyForm(),
        choice_labels=CHOICE_LABELS)


def _answer_form(last: ConsultationAnswer | None) -> AnswerForm:
    form = AnswerForm(formdata=None)
    if last is not None:
        form.choice.data = last.choice
        form.comment.data = last.comment
    return form


@bp.post("/<int:consultation_id>/questions")
@roles_required(*STAFF_ROLES)
def add_question_view(consultation_id: int) -> Response:
    consultation = _staff_consultation_or_404(consultation_id)
    form = QuestionFields()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return _back(consultation, "#add-question")
    try:
        add_question(db.session, _store(), consultation, _question_details(form),
                     _upload(form), current_actor())
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _back(consultation, "#add-question")
    db.session.commit()
    flash(_("Question added."), "success")
    return _back(consultation)


@bp.get("/<int:consultation_id>/open")
@roles_required(*STAFF_ROLES)
def confirm_open(consultation_id: int) -> str:
    consultation = _staff_consultation_or_404(consultation_id)
    refusal = None
    fields = {}
    facts = []
    if consultation.status != ConsultationStatus.DRAFT.value:
        refusal = _("This consultation is already open.")
    else:
        try:
            plan = open_plan(db.session, consultation, current_app.config["ISSUANCE_POLICY"])
            fields = {"plan": plan.fingerprint}
            facts = [(_("Members consulted"), plan.delegates),
                     (_("Drafts"), plan.document_count), (_("Signed copies"), plan.item_copies),
                     (_("Deadline"), _deadline(consultation))]
        except DomainError as error:
            refusal = _(error.message, **error.params)
    return render_template(
        "consultation/confirm.html", consultation=consultation,
        heading=_("Open the consultation and issue the drafts"),
        summary=_("Each member receives a personalised copy of every draft, signed by the "
                  "office, and can answer until the deadline."),
        facts=facts, fields=fields, refusal=refusal, danger=False,
        action=url_for(".open_view", consultation_id=consultation.id),
        confirm_label=_("Open and issue"))


def _deadline(consultation: Consultation) -> str:
    return office_time(consultation.deadline).strftime("%H:%M %d/%m/%Y")


@bp.post("/<int:consultation_id>/open")
@roles_required(*STAFF_ROLES)
def open_view(consultation_id: int) -> Response:
    consultation = _staff_consultation_or_404(consultation_id)
    if not EmptyForm().validate():
        abort(400)
    confirmed = request.form.get("plan", "")
    if not confirmed:
        return redirect(url_for(".confirm_open", consultation_id=consultation.id))
    try:
        worker_config(current_app._get_current_object())  # type: ignore[attr-defined]
        open_consultation(db.session, consultation, current_actor(),
                          current_app.config["ISSUANCE_POLICY"], confirmed, now())
    except PlanChanged:
        db.session.rollback()
        flash(_("The drafts or members changed since this page was shown. Nothing was "
                "issued; check the new figures and confirm again."), "error")
        return redirect(url_for(".confirm_open", consultation_id=consultation.id))
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _back(consultation)
    db.session.commit()
    start_runner(current_app._get_current_object())  # type: ignore[attr-defined]
    flash(_("Consultation opened: the drafts are being issued to the members."), "success")
    return _back(consultation)


@bp.post("/<int:consultation_id>/questions/<int:question_id>/answer")
@roles_required(Role.DELEGATE)
def answer(consultation_id: int, question_id: int) -> Response:
    consultation = consultation_or_404(consultation_id)
    question = _question_or_404(consultation, question_id)
    user = the_user()
    if not is_member(db.session, consultation, user):
        abort(404)
    form = AnswerForm()
    anchor = f"#question-{question.position}"
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Choose Agree, Disagree or Other opinion."), "error")
        return _back(consultation, anchor)
    try:
        answer_question(db.session, question, user, form.choice.data or "",
                        form.comment.data, current_actor(), now())
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _back(consultation, anchor)
    db.session.commit()
    flash(_("Your answer to question %(n)s is recorded.", n=question.position), "success")
    return _back(consultation, anchor)


@bp.get("/<int:consultation_id>/answers/<int:answer_id>/receipt.pdf")
@roles_required(Role.DELEGATE)
def receipt(consultation_id: int, answer_id: int) -> Response:
    """The member's signed receipt of one of their own answers."""
    consultation = consultation_or_404(consultation_id)
    found = answer_of_user_or_none(db.session, consultation, answer_id, the_user())
    if found is None:
        abort(404)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        made = answer_receipt(db.session, worker_config(app), link_settings(app), found,
                              current_actor(), now())
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _back(consultation)
    db.session.commit()
    return _pdf(made.sha256,
                f"xac-nhan-y-kien-{consultation.id}-{found.question.position}-{found.id}.pdf")


@bp.post("/<int:consultation_id>/remind")
@roles_required(*STAFF_ROLES)
def remind(consultation_id: int) -> Response:
    consultation = _staff_consultation_or_404(consultation_id)
    if not EmptyForm().validate():
        abort(400)
    if consultation.status != ConsultationStatus.OPEN.value:
        flash(_("Only an open consultation's members are reminded."), "error")
        return _back(consultation)
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        flash(_("Sending mail is not configured (MAIL_SERVER)."), "error")
        return _back(consultation)
    plan = plan_reminders(db.session, consultation, ConsultationReminderRequest(
        min_interval=timedelta(hours=float(current_app.config["REMINDER_MIN_INTERVAL_HOURS"])),
        base_url=current_app.config["PUBLIC_BASE_URL"], sender=settings.sender,
        zone=office_zone()), current_actor(), now())
    db.session.commit()
    try:
        with smtp_outbox(settings) as outbox:
            outcome = deliver_reminders(db.session, consultation, outbox, now())
    except MailError as error:
        flash_error(error)
        return _back(consultation)
    flash_reminders_sent(outcome.sent, plan.recently_reminded, plan.without_email,
                         outcome.failed)
    return _back(consultation)


@bp.get("/<int:consultation_id>/close")
@roles_required(*STAFF_ROLES)
def confirm_close(consultation_id: int) -> str:
    consultation = _staff_consultation_or_404(consultation_id)
    refusal = None
    if consultation.status != ConsultationStatus.OPEN.value:
        refusal = _("Only an open consultation can be closed.")
    waiting = len(waiting_members(db.session, consultation)) if not refusal else 0
    return render_template(
        "consultation/confirm.html", consultation=consultation,
        heading=_("Close the consultation before its deadline"),
        summary=_("No answer is taken after closing; the tally is made and the result "
                  "report issued."),
        facts=[(_("Members who have not answered every question"), waiting),
               (_("Deadline"), _deadline(consultation))],
        fields={"confirm": "1"}, refusal=refusal, danger=True,
        action=url_for(".close_view", consultation_id=consultation.id),
        confirm_label=_("Close now"))


@bp.post("/<int:consultation_id>/close")
@roles_required(*STAFF_ROLES)
def close_view(consultation_id: int) -> Response:
    consultation = _staff_consultation_or_404(consultation_id)
    if not EmptyForm().validate():
        abort(400)
    if request.form.get("confirm") != "1":
        return redirect(url_for(".confirm_close", consultation_id=consultation.id))
    if not close_consultation(db.session, consultation, current_actor(), _rule(), now()):
        flash(_("Only an open consultation can be closed."), "info")
        return _back(consultation)
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        result_report(db.session, worker_config(app), link_settings(app), consultation,
                      current_actor(), now())
        db.session.commit()
    except DomainError as error:  # closed all the same; the report is made on request
        db.session.rollback()
        flash_error(error)
    flash(_("Consultation closed."), "success")
    return _back(consultation)


@bp.get("/<int:consultation_id>/result.pdf")
@roles_required(*READERS)
def result(consultation_id: int) -> Response:
    """The signed result report, to the body's members, staff and auditors."""
    consultation = consultation_or_404(consultation_id)
    if consultation.status != ConsultationStatus.CLOSED.value:
        abort(404)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        sha256 = result_report(db.session, worker_config(app), link_settings(app),
                               consultation, current_actor(), now())
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _back(consultation)
    db.session.commit()
    return _pdf(sha256,
                f"ket-qua-xin-y-kien-{consultation.id}.pdf")


@bp.cli.command("close-due")
def close_due_command() -> None:
    """Close every open consultation past its deadline (run it periodically, e.g. cron)."""
    closed = close_due(db.session, _rule(), now())
    db.session.commit()
    click.echo(f"{closed} consultation(s) closed")


__all__ = ["bp"]
