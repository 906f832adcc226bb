"""API: Invitations and agenda items of a meeting, over the meetings feature's services."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for

from ..errors import N_, DomainError
from ..extensions import db
from ..meetings.models import AgendaItem, Invitation, InvitationRole, Meeting
from ..meetings.services import (
    MeetingError,
    add_agenda_item,
    guest_candidates,
    invitation_stake,
    invitations_in_protocol_order,
    invite,
    uninvite,
    update_agenda_item,
)
from ..tracking.portal import papers_seen
from .agenda_schemas import (
    AgendaItemCreate,
    AgendaItemOut,
    AgendaItemUpdate,
    AgendaList,
    InvitationCreate,
    InvitationList,
    InvitationOut,
    InvitationStakeOut,
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
    said,
    with_meeting,
)
from .problems import problem

bp = api_blueprint("api_agenda", "/api/v1",
                   "Invitations (giấy mời) and agenda items (chương trình) of a meeting.")



def _invitation_row(invitation: Invitation) -> dict[str, Any]:
    user = invitation.user
    return {"id": invitation.id, "user_id": user.id, "username": user.username,
            "full_name": user.full_name, "position": user.title, "role": invitation.role}


def _invitation_in(meeting: Meeting, invitation_id: int) -> Invitation | None:
    invitation = db.session.get(Invitation, invitation_id)
    return invitation if invitation is not None and invitation.meeting_id == meeting.id else None


def _no_invitation() -> Response:
    return not_found("lời mời này", "invitation")


@bp.get(f"{MEETING}/invitations")
@with_meeting(staff=True)
@bp.response(200, InvitationList)
@problems(bp, 403, 404)
def list_invitations(meeting: Meeting) -> Response:
    """List who is invited, with role and position (staff; the web shows delegates no list)"""
    rows = [_invitation_row(i) for i in invitations_in_protocol_order(db.session, meeting)]
    return json_response(InvitationList().dump({"items": rows}))


@bp.post(f"{MEETING}/invitations")
@with_meeting(staff=True)
@bp.arguments(InvitationCreate)
@bp.response(201, InvitationOut)
@problems(bp, 400, 403, 404, 409)
def add_invitation(data: dict[str, Any], meeting: Meeting) -> Response:
    """Invite an active delegate account as a guest (staff), as the web's guest list does"""
    user = next((u for u in guest_candidates(db.session, meeting) if u.id == data["user_id"]),
                None)
    if user is None:
        return refused(MeetingError(N_("Choose a delegate to invite as a guest."),
                                    field="user_id"))
    try:
        invitation = invite(db.session, meeting, user, InvitationRole.GUEST, api_actor())
    except DomainError as error:
        return refused(error)
    response = json_response(InvitationOut().dump(_invitation_row(invitation)), 201)
    response.headers["Location"] = url_for(".read_invitation", meeting_id=meeting.id,
                                           invitation_id=invitation.id)
    return response


@bp.get(f"{MEETING}/invitations/<{ID}:invitation_id>")
@with_meeting(staff=True)
@bp.response(200, InvitationStakeOut, headers={"ETag": {"schema": {"type": "string"}}})
@problems(bp, 403, 404)
def read_invitation(meeting: Meeting, invitation_id: int) -> Response:
    """Read an invitation with what its delegate holds of the meeting (staff)"""
    invitation = _invitation_in(meeting, invitation_id)
    if invitation is None:
        return _no_invitation()
    stake = invitation_stake(db.session, invitation)
    response = json_response(InvitationStakeOut().dump(
        _invitation_row(invitation) | {"copies": stake.copies, "paper_out": stake.paper_out,
                                       "stake": stake.fingerprint}))
    response.set_etag(stake.fingerprint)
    return response


@bp.delete(f"{MEETING}/invitations/<{ID}:invitation_id>")
@with_meeting(staff=True)
@bp.doc(parameters=[{"name": "If-Match", "in": "header", "required": True,
                     "schema": {"type": "string"},
                     "description": "The invitation's ETag (its stake) as last read."}])
@bp.response(204, description="Removed; recorded in the audit log.")
@problems(bp, 403, 404, 412, 428)
def remove_invitation(meeting: Meeting, invitation_id: int) -> Response:
    """Remove an invitation (staff), confirmed with the stake read: refused if it changed"""
    invitation = _invitation_in(meeting, invitation_id)
    if invitation is None:
        return _no_invitation()
    confirmed = request.if_match.as_set()
    if len(confirmed) != 1:
        return problem(428, ("Gửi tiêu đề If-Match với ETag của lời mời vừa đọc.",
                             "Send If-Match with the ETag of the invitation as last read."))
    try:
        uninvite(db.session, invitation, api_actor(), confirmed.pop())
    except DomainError as error:
        return problem(412, said(error))
    return Response(status=204)


def _agenda_row(number: int, item: AgendaItem) -> dict[str, Any]:
    return {"id": item.id, "number": number, "title": item.title, "presenter": item.presenter}


@bp.get(f"{MEETING}/agenda")
@with_meeting()
@bp.response(200, AgendaList)
@problems(bp, 404)
def list_agenda(meeting: Meeting) -> Response:
    """List the agenda items you see, as on the meeting's page"""
    seen = papers_seen(db.session, meeting, caller().user)
    rows = [_agenda_row(n, item) for n, item in enumerate(seen.agenda, start=1)]
    return json_response(AgendaList().dump({"items": rows,
                                            "published": meeting.agenda_published}))


@bp.post(f"{MEETING}/agenda")
@with_meeting(staff=True)
@bp.arguments(AgendaItemCreate)
@bp.response(201, AgendaItemOut)
@problems(bp, 400, 403, 404)
def add_item(data: dict[str, Any], meeting: Meeting) -> Response:
    """Add an item at the end of the agenda (staff)"""
    try:
        item = add_agenda_item(db.session, meeting, data["title"], data["presenter"],
                               api_actor())
    except DomainError as error:
        return refused(error)
    return json_response(AgendaItemOut().dump(_agenda_row(item.position, item)), 201)


@bp.patch(f"{MEETING}/agenda/<{ID}:item_id>")
@with_meeting(staff=True)
@bp.arguments(AgendaItemUpdate)
@bp.response(200, AgendaItemOut)
@problems(bp, 400, 403, 404)
def update_item(data: dict[str, Any], meeting: Meeting, item_id: int) -> Response:
    """Change an agenda item's title or presenter (staff)"""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        return not_found("mục chương trình này", "agenda item")
    try:
        update_agenda_item(db.session, item, data.get("title", item.title),
                           data.get("presenter", item.presenter), api_actor())
    except DomainError as error:
        return refused(error)
    return json_response(AgendaItemOut().dump(_agenda_row(item.position, item)))
