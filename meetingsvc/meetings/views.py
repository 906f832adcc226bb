"""The secretariat's meeting preparation pages, and the meeting page delegates see."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..access import (
    current_actor,
    flash_error,
    item_of_or_404,
    roles_required,
    staff_meeting_or_404,
    the_user,
    visible_meeting_or_404,
)
from ..accounts.models import Body, Role, User
from ..errors import DomainError
from ..extensions import db
from ..forms_common import choices
from ..issuance.services import jobs_of
from ..labels import INVITATION_ROLE_LABELS
from ..models_common import utcnow
from ..timezones import office_time, office_zone
from ..tracking.portal import delegate_home, papers_seen
from .forms import AgendaItemForm, EmptyForm, GuestForm, MeetingForm
from .models import AgendaItem, Invitation, InvitationRole, Meeting, MeetingKind
from .services import (
    STAFF_ROLES,
    MeetingDetails,
    add_agenda_item,
    create_meeting,
    guest_candidates,
    invitation_stake,
    invitations_in_protocol_order,
    invite,
    move_agenda_item,
    publish_agenda,
    remove_agenda_item,
    uninvite,
    update_agenda_item,
    update_meeting,
    visible_meetings_query,
)

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.get("/")
@login_required
def list_meetings() -> str:
    user = the_user()
    meetings = db.session.scalars(
        visible_meetings_query(user).where(Meeting.kind == MeetingKind.SESSION.value)
        .order_by(Meeting.starts_at.desc())
    ).all()
    summaries = (delegate_home(db.session, user.id, meetings, utcnow())
                 if user.has_role(Role.DELEGATE) else [])
    return render_template("meetings/list.html", meetings=meetings, summaries=summaries,
                           is_staff=user.has_role(*STAFF_ROLES))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_meeting() -> Response | str:
    form = MeetingForm()
    form.body_id.choices = _body_choices()
    if form.validate_on_submit():
        try:
            meeting = create_meeting(db.session, _details(form), current_actor())
        except DomainError as error:
            flash_error(error)
        else:
            flash(_("Meeting created; the members of the body are invited."), "success")
            return redirect(url_for(".show_meeting", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=None)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit_meeting(meeting_id: int) -> Response | str:
    meeting = staff_meeting_or_404(meeting_id)
    form = MeetingForm(obj=meeting)
    form.body_id.choices = choices([(meeting.body.id, meeting.body.name_vi)])
    if request.method == "GET":
        form.starts_at.data = office_time(meeting.starts_at).replace(tzinfo=None)
    if form.validate_on_submit():
        update_meeting(db.session, meeting, _details(form), current_actor())
        flash(_("Meeting saved."), "success")
        return redirect(url_for(".show_meeting", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, meeting=meeting)


@bp.get("/<int:meeting_id>")
@login_required
def show_meeting(meeting_id: int) -> Response | str:
    meeting = visible_meeting_or_404(meeting_id)
    user = the_user()
    if meeting.kind == MeetingKind.CONSULTATION.value and not user.has_role(*STAFF_ROLES):
        # A written consultation's container: its readers' page is the consultation's.
        return redirect(url_for("consultation.by_meeting", meeting_id=meeting.id))
    if not user.has_role(*STAFF_ROLES):
        seen = papers_seen(db.session, meeting, user)
        return render_template("meetings/show_readonly.html", meeting=meeting,
                               agenda=_numbered(seen.agenda), documents=seen.documents,
                               invitation=seen.invitation, portal=seen.portal)
    guest_form = GuestForm()
    guest_form.user_id.choices = choices(
        (u.id, f"{u.full_name} — {u.title or u.username}")
        for u in guest_candidates(db.session, meeting)
    )
    return render_template(
        "meetings/show.html", meeting=meeting, guest_form=guest_form,
        item_form=AgendaItemForm(), action_form=EmptyForm(), jobs=jobs_of(db.session, meeting),
        invitations=invitations_in_protocol_order(db.session, meeting),
    )


@bp.post("/<int:meeting_id>/guests")
@roles_required(*STAFF_ROLES)
def add_guest(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    form = GuestForm()
    form.user_id.choices = choices((u.id, u.full_name)
                                   for u in guest_candidates(db.session, meeting))
    if not form.validate_on_submit():
        flash(_("Choose a delegate to invite as a guest."), "error")
    else:
        user = db.session.get(User, form.user_id.data)
        if user is None:
            abort(404)
        try:
            invite(db.session, meeting, user, InvitationRole.GUEST, current_actor())
            flash(_("%(name)s is invited as a guest.", name=user.full_name), "success")
        except DomainError as error:
            flash_error(error)
    return redirect(url_for(".show_meeting", meeting_id=meeting.id, _anchor="delegates"))


@bp.get("/<int:meeting_id>/invitations/<int:invitation_id>/remove")
@roles_required(*STAFF_ROLES)
def confirm_remove_invitation(meeting_id: int, invitation_id: int) -> str:
    """Who is uninvited and what they hold of the meeting; nothing is written."""
    meeting = staff_meeting_or_404(meeting_id)
    invitation = invitation_in_or_404(meeting, invitation_id)
    stake = invitation_stake(db.session, invitation)
    user = invitation.user
    notes = [_("They no longer see the meeting or any of its papers, and later issuances "
               "leave them out. The removal is recorded in the audit log.")]
    if stake.paper_out:
        notes.append(_("They still hold %(count)s paper copies: collect them on the paper "
                       "copies page.", count=format_decimal(stake.paper_out)))
    return render_template(
        "meetings/confirm.html", meeting=meeting,
        heading=_("Remove %(name)s from the invitations", name=user.full_name),
        summary=(_("%(name)s holds %(copies)s issued copies of this meeting",
                   name=user.full_name, copies=format_decimal(stake.copies))
                 if stake.copies else _("Nothing has been issued to %(name)s yet",
                                        name=user.full_name)),
        facts=[(_("Delegate"), f"{user.full_name} — {user.title or user.username}"),
               (_("Invited as"), _(INVITATION_ROLE_LABELS[InvitationRole(invitation.role)])),
               (_("Copies issued"), format_decimal(stake.copies)),
               (_("Paper copies not returned"), format_decimal(stake.paper_out))],
        notes=notes, refusal=None, danger=True, fields={"stake": stake.fingerprint},
        action=url_for(".remove_invitation", meeting_id=meeting.id, invitation_id=invitation.id),
        confirm_label=_("Remove from the invitations"),
        cancel_url=url_for(".show_meeting", meeting_id=meeting.id, _anchor="delegates"))


def invitation_in_or_404(meeting: Meeting, invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.meeting_id != meeting.id:
        abort(404)
    return invitation


@bp.post("/<int:meeting_id>/invitations/<int:invitation_id>/remove")
@roles_required(*STAFF_ROLES)
def remove_invitation(meeting_id: int, invitation_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    back = url_for(".show_meeting", meeting_id=meeting.id, _anchor="delegates")
    if not EmptyForm().validate():
        abort(400)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None and request.form.get("stake"):
        # A second press of the confirmation: the first one removed it.
        flash(_("This invitation was already removed."), "info")
        return redirect(back)
    if invitation is None or invitation.meeting_id != meeting.id:
        abort(404)
    confirm_url = url_for(".confirm_remove_invitation", meeting_id=meeting.id,
                          invitation_id=invitation.id)
    confirmed = request.form.get("stake", "")
    if not confirmed:  # not a confirmation: show one
        return redirect(confirm_url)
    name = invitation.user.full_name
    try:
        uninvite(db.session, invitation, current_actor(), confirmed)
    except DomainError as error:
        flash_error(error)
        return redirect(confirm_url)
    flash(_("%(name)s is no longer invited.", name=name), "success")
    return redirect(back)


@bp.post("/<int:meeting_id>/agenda/publish")
@roles_required(*STAFF_ROLES)
def publish_meeting_agenda(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    if not EmptyForm().validate():
        abort(400)
    published = request.form.get("published") == "1"
    publish_agenda(db.session, meeting, published, current_actor())
    flash(_("Delegates now see the agenda.") if published
          else _("Delegates no longer see the agenda before the papers are issued."), "success")
    return redirect(url_for(".show_meeting", meeting_id=meeting.id, _anchor="agenda"))


@bp.post("/<int:meeting_id>/agenda")
@roles_required(*STAFF_ROLES)
def add_item(meeting_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    form = AgendaItemForm()
    if form.validate_on_submit():
        add_agenda_item(db.session, meeting, form.title.data or "", form.presenter.data,
                        current_actor())
        flash(_("Agenda item added."), "success")
    else:
        flash(_("An agenda item needs a title."), "error")
    return redirect(url_for(".show_meeting", meeting_id=meeting.id, _anchor="agenda"))


@bp.route("/<int:meeting_id>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit_item(meeting_id: int, item_id: int) -> Response | str:
    meeting = staff_meeting_or_404(meeting_id)
    item = item_of_or_404(meeting, item_id)
    form = AgendaItemForm(obj=item)
    if form.validate_on_submit():
        update_agenda_item(db.session, item, form.title.data or "", form.presenter.data,
                           current_actor())
        flash(_("Agenda item saved."), "success")
        return redirect(url_for(".show_meeting", meeting_id=meeting.id, _anchor="agenda"))
    return render_template("meetings/item_form.html", form=form, meeting=meeting, item=item)


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/move")
@roles_required(*STAFF_ROLES)
def move_item(meeting_id: int, item_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    item = item_of_or_404(meeting, item_id)
    if EmptyForm().validate():
        move_agenda_item(db.session, item, -1 if request.form.get("direction") == "up" else 1,
                         current_actor())
    return redirect(url_for(".show_meeting", meeting_id=meeting.id, _anchor="agenda"))


@bp.get("/<int:meeting_id>/agenda/<int:item_id>/remove")
@roles_required(*STAFF_ROLES)
def confirm_remove_item(meeting_id: int, item_id: int) -> str:
    meeting = staff_meeting_or_404(meeting_id)
    item = item_of_or_404(meeting, item_id)
    count = len(item.documents)
    return render_template(
        "meetings/confirm.html", meeting=meeting,
        heading=_("Remove agenda item %(position)s", position=item.position),
        summary=item.title,
        facts=[(_("Agenda item"), f"{item.position}. {item.title}"),
               (_("Presenter"), item.presenter or "—"),
               (_("Documents"), format_decimal(count))],
        notes=[_("The items after it move up one place. The removal is recorded in the "
                 "audit log.")],
        refusal=_("Delete the item's documents first: a document nothing was issued from "
                  "has a Delete button on its page.") if count else None, danger=True,
        fields={"title": item.title},
        action=url_for(".remove_item", meeting_id=meeting.id, item_id=item.id),
        confirm_label=_("Remove the item"),
        cancel_url=url_for(".show_meeting", meeting_id=meeting.id, _anchor="agenda"))


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/remove")
@roles_required(*STAFF_ROLES)
def remove_item(meeting_id: int, item_id: int) -> Response:
    meeting = staff_meeting_or_404(meeting_id)
    back = url_for(".show_meeting", meeting_id=meeting.id, _anchor="agenda")
    if not EmptyForm().validate():
        abort(400)
    item = db.session.get(AgendaItem, item_id)
    if item is None and request.form.get("title"):
        flash(_("This agenda item was already removed."), "info")
        return redirect(back)
    item = item_of_or_404(meeting, item_id)
    confirm_url = url_for(".confirm_remove_item", meeting_id=meeting.id, item_id=item.id)
    confirmed = request.form.get("title")
    if not confirmed:  # not a confirmation: show one
        return redirect(confirm_url)
    if confirmed != item.title:
        flash(_("The item changed since this page was shown. Nothing was removed; check and "
                "confirm again."), "error")
        return redirect(confirm_url)
    try:
        remove_agenda_item(db.session, item, current_actor())
        flash(_("Agenda item removed."), "success")
    except DomainError as error:
        flash_error(error)
    return redirect(back)


def _details(form: MeetingForm) -> MeetingDetails:
    starts: datetime = form.starts_at.data  # type: ignore[assignment]
    return MeetingDetails(
        body_id=form.body_id.data,
        session_number=form.session_number.data or 0,
        title=form.title.data or "",
        starts_at=starts.replace(tzinfo=office_zone()),
        place=form.place.data or "",
    )


def _body_choices() -> list[SelectChoice]:
    return choices((b.id, b.name_vi) for b in db.session.scalars(select(Body).order_by(Body.id)))


def _numbered(items: list[AgendaItem]) -> list[tuple[int, AgendaItem]]:
    """Items numbered from what the reader sees: no gap where another's item sits."""
    return list(enumerate(items, start=1))
