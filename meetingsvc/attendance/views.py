"""Pages of attendance: a delegate's answer, the secretariat's list, reminders, exports
and presence on the day."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..access import (
    current_actor,
    flash_error,
    roles_required,
    staff_meeting_or_404,
    the_user,
    visible_meeting_or_404,
)
from ..accounts.models import Role
from ..errors import N_
from ..extensions import db
from ..mail import DeliveryOutcome, MailError, MailSettings, smtp_outbox
from ..meetings.models import Invitation, Meeting
from ..meetings.services import STAFF_ROLES, invitation_of
from ..models_common import utcnow
from ..timezones import office_zone
from ..tracking.files import content_disposition, readable_file_name
from .exports import ListLine, attendance_pdf, attendance_xlsx
from .forms import ActionForm, AnswerForm
from .models import AttendanceAnswer, AttendanceChoice
from .reminders import (
    deliver_attendance_reminders,
    plan_attendance_reminders,
    waiting_reminders,
)
from .services import (
    AnswerDetails,
    AttendanceError,
    AttendanceList,
    answer_history,
    attendance_list,
    current_answer,
    give_answer,
    may_answer,
    may_record_presence,
    record_presence,
    stand_in_candidates,
)

bp = Blueprint("attendance", __name__, url_prefix="/meetings/<int:meeting_id>/attendance")

CHOICE_LABELS = {AttendanceChoice.ATTENDING.value: N_("Attending"),
                 AttendanceChoice.ABSENT.value: N_("Absent")}
EXPORT_HEADER = (N_("No."), N_("Full name"), N_("Position"), N_("Answer"), N_("Reason"),
                 N_("Stand-in"), N_("Present"), N_("Answered at"))


# --- the delegate ------------------------------------------------------------------


def _my_invitation_or_404(meeting_id: int) -> Invitation:
    """The signed-in delegate's own invitation to a meeting they may see; 404 otherwise."""
    meeting = visible_meeting_or_404(meeting_id)
    invitation = invitation_of(db.session, meeting, the_user())
    if invitation is None:
        abort(404)
    return invitation


def _answer_form(invitation: Invitation, answer: AttendanceAnswer | None) -> AnswerForm:
    form = AnswerForm()
    form.stand_in_user_id.choices = [SelectChoice(0, _("— no account —"))] + [
        SelectChoice(u.id, u.full_name + (f" — {u.title}" if u.title else ""))
        for u in (stand_in_candidates(db.session, invitation)
                  if invitation.meeting.body.allows_stand_in else [])]
    if request.method == "GET" and answer is not None:
        form.choice.data = answer.choice
        form.reason.data = answer.reason or ""
        form.stand_in_name.data = answer.stand_in_name or ""
        form.stand_in_position.data = answer.stand_in_position or ""
        form.stand_in_user_id.data = answer.stand_in_user_id or 0
    return form


@dataclass(frozen=True)
class MyAttendance:
    """What the meeting page shows the delegate: their answer and the form to change it."""

    answer: AttendanceAnswer | None
    open: bool
    allows_stand_in: bool
    form: AnswerForm


@bp.app_template_global("my_attendance")
def my_attendance(invitation: Invitation) -> MyAttendance:
    answer = current_answer(db.session, invitation.meeting_id, invitation.user_id)
    return MyAttendance(answer, may_answer(invitation.meeting, utcnow()),
                        invitation.meeting.body.allows_stand_in,
                        _answer_form(invitation, answer))


@bp.route("/mine", methods=["GET", "POST"])
@roles_required(Role.DELEGATE)
def answer(meeting_id: int) -> Response | str | tuple[str, int]:
    invitation = _my_invitation_or_404(meeting_id)
    meeting = invitation.meeting
    answer = current_answer(db.session, meeting.id, invitation.user_id)
    form = _answer_form(invitation, answer)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                give_answer(db.session, invitation, AnswerDetails(
                    choice=AttendanceChoice(form.choice.data),
                    reason=form.reason.data or "", stand_in_name=form.stand_in_name.data or "",
                    stand_in_position=form.stand_in_position.data or "",
                    stand_in_user_id=form.stand_in_user_id.data or None,
                ), current_actor(), utcnow())
            except AttendanceError as error:
                flash_error(error)
                status = 422
            else:
                flash(_("Your answer is recorded: %(answer)s.",
                        answer=_(CHOICE_LABELS[form.choice.data])), "success")
                return redirect(url_for("meetings.show_meeting", meeting_id=meeting.id)
                                + "#attendance")
        else:
            status = 422
    return render_template(
        "attendance/answer.html", meeting=meeting, form=form, answer=answer,
        open=may_answer(meeting, utcnow()), allows_stand_in=meeting.body.allows_stand_in,
        history=answer_history(db.session, meeting.id, invitation.user_id),
        choice_labels=CHOICE_LABELS), status


# --- the secretariat ---------------------------------------------------------------


@bp.get("/")
@roles_required(*STAFF_ROLES)
def attendance(meeting_id: int) -> str:
    meeting = staff_meeting_or_404(meeting_id)
    return render_template(
        "attendance/list.html", meeting=meeting, attendance=attendance_list(db.session, meeting),
        form=ActionForm(), choice_labels=CHOICE_LABELS,
        mail_on=MailSettings.from_config(current_app.config) is not None,
        presence_open=may_record_presence(meeting, utcnow(), office_zone()))


@bp.post("/remind")
@roles_required(*STAFF_ROLES)
def remind(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    back = url_for(".attendance", meeting_id=meeting.id)
    settings = MailSettings.from_config(current_app.config)
    if settings is None:
        flash(_("Sending mail is not configured (MAIL_SERVER): nobody was reminded."), "error")
        return redirect(back)
    config = current_app.config
    plan = plan_attendance_reminders(
        db.session, attendance_list(db.session, meeting), config["PUBLIC_BASE_URL"],
        settings.sender, config["OFFICE_NAME"], current_actor(), utcnow())
    db.session.commit()  # the reminders and their audit rows, before any mail goes out
    outcome = DeliveryOutcome(0, 0)
    waiting = waiting_reminders(db.session, meeting.id, utcnow())
    if waiting:
        try:
            with smtp_outbox(settings) as outbox:
                outcome = deliver_attendance_reminders(db.session, waiting, outbox, utcnow())
        except MailError as error:
            flash_error(error)
            return redirect(back)
    flash(_("Reminders sent: %(sent)s. Without an e-mail address: %(none)s. "
            "Refused by the mail server: %(failed)s.", sent=outcome.sent,
            none=plan.without_email, failed=outcome.failed),
          "success" if outcome.sent else "info")
    return redirect(back)


@bp.post("/presence")
@roles_required(*STAFF_ROLES)
def presence(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    ticked = request.form.getlist("present")
    if not all(value.isdigit() for value in ticked):
        abort(400)
    try:
        present = record_presence(db.session, meeting, {int(v) for v in ticked},
                                  current_actor(), utcnow(), office_zone())
    except AttendanceError as error:
        flash_error(error)
    else:
        flash(_("Presence is recorded: %(n)s present of %(total)s invited.", n=present,
                total=len(meeting.invitations)), "success")
    return redirect(url_for(".attendance", meeting_id=meeting.id) + "#presence")


def _lines(attendance: AttendanceList) -> list[ListLine]:
    zone = office_zone()
    lines = []
    for row in attendance.rows:
        answer = row.answer
        stand_in = ""
        if answer and answer.stand_in_name:
            stand_in = answer.stand_in_name + (f", {answer.stand_in_position}"
                                               if answer.stand_in_position else "")
        lines.append(ListLine(
            number=row.number, name=row.user.full_name, position=row.position,
            answer=_(CHOICE_LABELS[answer.choice]) if answer else _("No answer"),
            reason=(answer.reason or "") if answer else "", stand_in=stand_in,
            present="" if row.present is None else ("✓" if row.present else "—"),
            answered_at=answer.answered_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")
            if answer else ""))
    return lines


@bp.get("/attendance.<any(xlsx, pdf):kind>")
@roles_required(*STAFF_ROLES)
def export(meeting_id: int, kind: str) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    listed = attendance_list(db.session, meeting)
    if kind == "xlsx":
        data = attendance_xlsx(_lines(listed), [_(h) for h in EXPORT_HEADER], _("Attendance"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = readable_file_name(_("Attendance"), meeting.title, extension="xlsx")
    else:
        data = _printable(meeting, listed)
        mimetype = "application/pdf"
        name = readable_file_name("Danh sách đại biểu", meeting.title, extension="pdf")
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(name, attachment=kind == "xlsx"),
        "Cache-Control": "private, no-store"})


def _printable(meeting: Meeting, listed: AttendanceList) -> bytes:
    """The office's paper list, in Vietnamese whatever the reader's language."""
    zone = office_zone()
    with_labels = [
        ListLine(**(line.__dict__ | {"answer": _vi_answer(row.answer)}))
        for line, row in zip(_lines(listed), listed.rows, strict=True)]
    starts = meeting.starts_at.astimezone(zone)
    counts = (f"Được mời: {len(listed.rows)} · Tham dự: {listed.attending} · "
              f"Vắng mặt: {listed.absent} · Chưa trả lời: {listed.unanswered}")
    if listed.presence_recorded:
        counts += f" · Có mặt: {listed.present}"
    return attendance_pdf(
        with_labels, office_name=current_app.config["OFFICE_NAME"], meeting_title=meeting.title,
        meeting_line=f"{starts:%H:%M} ngày {starts:%d/%m/%Y} · {meeting.place}", counts=counts,
        made_at=utcnow().astimezone(zone), font_dir=Path(current_app.config["PDF_FONT_DIR"]))


def _vi_answer(answer: AttendanceAnswer | None) -> str:
    if answer is None:
        return "Chưa trả lời"
    return "Vắng mặt" if answer.absent else "Tham dự"
