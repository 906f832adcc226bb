"""The committees that meet (Ban Chấp hành, Ban Thường vụ, Thường trực) and their members."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import N_, DomainError
from .models import Body, Membership, User

__all__ = ["BodyDetails", "BodyError", "Seat", "create_body", "list_bodies", "set_memberships",
           "update_body"]

log = logging.getLogger(__name__)

_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,19}")


class BodyError(DomainError):
    """A change to a body or its members that cannot be made; the message says why."""


@dataclass(frozen=True)
class BodyDetails:
    #: Short stable code, lower-case, e.g. ``btv``; meetings and exports name the body by it.
    code: str
    name_vi: str
    name_en: str
    #: Whether a member who will be absent may name someone to attend in their place.
    allows_stand_in: bool = False


@dataclass(frozen=True)
class Seat:
    """A member's place in a body: the position printed on lists, and the order in them."""

    position: str
    rank: int = 100


def list_bodies(session: Session) -> list[Body]:
    return list(session.scalars(select(Body).order_by(Body.name_vi)))


def create_body(session: Session, details: BodyDetails, actor: Actor) -> Body:
    details = _checked(session, details, None)
    body = Body(code=details.code, name_vi=details.name_vi, name_en=details.name_en,
                allows_stand_in=details.allows_stand_in)
    session.add(body)
    session.flush()
    record(session, "body.created", actor, object_type="body", object_id=body.id,
           details={"code": body.code, "name_vi": body.name_vi, "name_en": body.name_en})
    return body


def update_body(session: Session, body: Body, details: BodyDetails, actor: Actor) -> None:
    details = _checked(session, details, body)
    changes = {}
    for name in ("code", "name_vi", "name_en", "allows_stand_in"):
        before, after = getattr(body, name), getattr(details, name)
        if before != after:
            changes[name] = {"from": before, "to": after}
            setattr(body, name, after)
    if changes:
        session.flush()
        record(session, "body.updated", actor, object_type="body", object_id=body.id,
               details={"code": body.code, "changes": changes})


def set_memberships(session: Session, user: User, seats: dict[int, Seat], actor: Actor) -> None:
    """Make ``seats`` (body id → seat) the user's memberships: add, change and remove."""
    bodies = {body.id: body for body in session.scalars(select(Body))}
    unknown = set(seats) - set(bodies)
    if unknown:
        raise BodyError(N_("A chosen body no longer exists."))
    for seat in seats.values():
        if not seat.position.strip():
            raise BodyError(N_("Each membership needs a position, e.g. Ủy viên."))
    before = {m.body_id: Seat(m.position, m.rank) for m in user.memberships}
    if before == seats:
        return
    # Both sides of each membership are kept in step, so a body's member list read later
    # in the same session never holds a removed seat (whose user is then None).
    with session.no_autoflush:
        for membership in list(user.memberships):
            if membership.body_id not in seats:
                seats_of_body = membership.body.memberships
                if membership in seats_of_body:
                    seats_of_body.remove(membership)
                user.memberships.remove(membership)
    current = {m.body_id: m for m in user.memberships}
    for body_id, seat in seats.items():
        membership = current.get(body_id)
        if membership is None:
            user.memberships.append(Membership(body=bodies[body_id],
                                               position=seat.position.strip(), rank=seat.rank))
        else:
            membership.position, membership.rank = seat.position.strip(), seat.rank
    session.flush()

    def described(state: dict[int, Seat]) -> list[dict[str, object]]:
        return [{"body": bodies[body_id].code, "position": seat.position, "rank": seat.rank}
                for body_id, seat in sorted(state.items())]

    record(session, "account.memberships_changed", actor, object_type="user",
           object_id=user.id, details={"username": user.username, "from": described(before),
                                       "to": described(seats)})
    log.info("memberships of %s changed by %s", user.username, actor.username)


def _checked(session: Session, details: BodyDetails, body: Body | None) -> BodyDetails:
    code = details.code.strip().lower()
    if not _CODE.fullmatch(code):
        raise BodyError(N_("A body's code is 1 to 20 lower-case letters, digits or dashes, "
                           "e.g. btv."))
    name_vi, name_en = details.name_vi.strip(), details.name_en.strip()
    if not name_vi:
        raise BodyError(N_("A body needs its Vietnamese name."))
    taken = session.scalar(select(Body).where(func.lower(Body.code) == code))
    if taken is not None and taken is not body:
        raise BodyError(N_("The code %(code)s is already used by %(name)s."), code=code,
                        name=taken.name_vi)
    return BodyDetails(code=code, name_vi=name_vi, name_en=name_en or name_vi,
                       allows_stand_in=details.allows_stand_in)
