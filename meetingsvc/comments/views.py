"""Comments on drafts: the secretariat opens items and reads the summary; delegates comment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from ..access import (
    current_actor,
    flash_error,
    item_of_or_404,
    roles_required,
    staff_meeting_or_404,
    the_user,
    visible_meeting_or_404,
)
from ..extensions import db
from ..meetings.models import Meeting
from ..meetings.services import STAFF_ROLES, invitation_of
from ..models_common import utcnow
from ..timezones import office_time, office_zone
from ..tracking.portal import meeting_portal
from .exports import summary_docx, summary_pdf, summary_xlsx
from .forms import CallForm, CommentForm
from .models import CommentCall
from .services import (
    CommentError,
    CommentInput,
    call_of,
    calls_for,
    calls_of,
    comment_summary,
    is_open,
    may_comment,
    open_for_comments,
    own_comment,
    own_comments,
    revise_comment,
    usual_deadline,
    write_comment,
)

bp = Blueprint("comments", __name__, url_prefix="/meetings/<int:meeting_id>/comments")


def now() -> datetime:
    """The clock deadlines are judged by (one place, so tests can pin it)."""
    return utcnow()


@bp.app_template_global("comment_calls_open")
def _comment_calls_open(meeting: Meeting) -> list[CommentCall]:
    """The meeting's items still open for comments, for the delegate's meeting page."""
    moment = now()
    return [call for call in calls_for(db.session, meeting, the_user()) if is_open(call, moment)]


def _delegate_meeting_or_404(meeting_id: int) -> Meeting:
    """The meeting, for a delegate invited to it; anyone else gets 404."""
    meeting = visible_meeting_or_404(meeting_id)
    if invitation_of(db.session, meeting, the_user()) is None:
        abort(404)
    return meeting


def _call_or_404(meeting: Meeting, item_id: int) -> CommentCall:
    call = call_of(db.session, meeting, item_id)
    if call is None:
        abort(404)
    return call


@bp.get("/")
@login_required
def index(meeting_id: int) -> str:
    user = the_user()
    if user.has_role(*STAFF_ROLES):
        meeting = staff_meeting_or_404(meeting_id)
        calls = {c.agenda_item_id: c for c in calls_of(db.session, meeting)}
        default_deadline = usual_deadline(meeting.starts_at).replace(tzinfo=None)
        forms = {}
        for item in meeting.agenda_items:
            form = CallForm(prefix=f"item{item.id}")
            call = calls.get(item.id)
            if call is not None:
                form.deadline.data = office_time(call.deadline).replace(tzinfo=None)
                form.request.data = call.request
            else:
                form.deadline.data = default_deadline
            forms[item.id] = form
        return render_template("comments/manage.html", meeting=meeting, calls=calls,
                               forms=forms, summary=comment_summary(db.session, meeting),
                               now=now())
    meeting = _delegate_meeting_or_404(meeting_id)
    calls = calls_for(db.session, meeting, user)
    mine = {c.id: len(own_comments(db.session, c, user)) for c in calls}
    return render_template("comments/index.html", meeting=meeting, calls=calls, mine=mine,
                           now=now())


@bp.post("/items/<int:item_id>/open")
@roles_required(*STAFF_ROLES)
def open_item(meeting_id: int, item_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    item = item_of_or_404(meeting, item_id)
    form = CallForm(prefix=f"item{item.id}")
    if not form.validate_on_submit():
        flash(_("Give the comment deadline as a date and time."), "error")
        return redirect(url_for(".index", meeting_id=meeting.id))
    deadline: datetime = form.deadline.data  # type: ignore[assignment]
    try:
        open_for_comments(db.session, item, deadline.replace(tzinfo=office_zone()),
                          form.request.data, now(), current_actor())
    except CommentError as error:
        flash_error(error)
    else:
        flash(_("Comments on “%(title)s” are open until %(deadline)s.", title=item.title,
                deadline=deadline.strftime("%H:%M %d/%m/%Y")), "success")
    return redirect(url_for(".index", meeting_id=meeting.id) + f"#item-{item.id}")


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@login_required
def comment_on_item(meeting_id: int, item_id: int) -> Response | str | tuple[str, int]:
    """A delegate's page for one item: their own comments and the form for a new one."""
    if the_user().has_role(*STAFF_ROLES):
        return redirect(url_for(".summary", meeting_id=meeting_id) + f"#item-{item_id}")
    meeting = _delegate_meeting_or_404(meeting_id)
    call = _call_or_404(meeting, item_id)
    user = the_user()
    if not may_comment(db.session, call, user):
        abort(404)
    form = CommentForm()
    status = 200
    if form.validate_on_submit():
        try:
            write_comment(db.session, call, user,
                          CommentInput(form.text.data or "", form.location.data), now(),
                          current_actor())
        except CommentError as error:
            flash_error(error)
            status = 422
        else:
            flash(_("Your comment is sent to the secretariat."), "success")
            return redirect(url_for(".comment_on_item", meeting_id=meeting.id,
                                    item_id=item_id))
    elif form.is_submitted():
        status = 422
    portal = meeting_portal(db.session, meeting.id, user.id)
    documents = [d for d in call.agenda_item.documents if d.id in portal.held_document_ids]
    return render_template("comments/item.html", meeting=meeting, call=call, form=form,
                           comments=own_comments(db.session, call, user), documents=documents,
                           open=is_open(call, now())), status


@bp.route("/<int:comment_id>/revise", methods=["GET", "POST"])
@login_required
def revise(meeting_id: int, comment_id: int) -> Response | str | tuple[str, int]:
    meeting = _delegate_meeting_or_404(meeting_id)
    comment = own_comment(db.session, meeting, the_user(), comment_id)
    if comment is None:
        abort(404)
    back = url_for(".comment_on_item", meeting_id=meeting.id,
                   item_id=comment.call.agenda_item_id)
    if not is_open(comment.call, now()):
        flash(_("The deadline for comments on this item has passed."), "error")
        return redirect(back)
    form = CommentForm()
    if not form.is_submitted():
        form.text.data, form.location.data = comment.current.text, comment.current.location
    status = 200
    if form.validate_on_submit():
        try:
            revise_comment(db.session, comment,
                           CommentInput(form.text.data or "", form.location.data), now(),
                           current_actor())
        except CommentError as error:
            flash_error(error)
            status = 422
        else:
            flash(_("Your comment is revised; the earlier wording is kept."), "success")
            return redirect(back + f"#comment-{comment.id}")
    elif form.is_submitted():
        status = 422
    return render_template("comments/revise.html", meeting=meeting, comment=comment,
                           form=form), status


@bp.get("/summary")
@roles_required(*STAFF_ROLES)
def summary(meeting_id: int) -> str:
    meeting = staff_meeting_or_404(meeting_id)
    return render_template("comments/summary.html", meeting=meeting,
                           summary=comment_summary(db.session, meeting))


def _download(data: bytes, meeting: Meeting, extension: str, mimetype: str) -> Response:
    name = f"tong-hop-y-kien-phien-{meeting.session_number}-{meeting.id}.{extension}"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/summary.xlsx")
@roles_required(*STAFF_ROLES)
def summary_as_xlsx(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    data = summary_xlsx(comment_summary(db.session, meeting), office_zone())
    return _download(data, meeting, "xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/summary.docx")
@roles_required(*STAFF_ROLES)
def summary_as_docx(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    data = summary_docx(comment_summary(db.session, meeting), office_zone(),
                        current_app.config["OFFICE_NAME"])
    return _download(data, meeting, "docx",
                     "application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.get("/summary.pdf")
@roles_required(*STAFF_ROLES)
def summary_as_pdf(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    data = summary_pdf(comment_summary(db.session, meeting), office_zone(),
                       current_app.config["OFFICE_NAME"],
                       Path(current_app.config["PDF_FONT_DIR"]))
    return _download(data, meeting, "pdf", "application/pdf")
