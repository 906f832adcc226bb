"""Users, their roles, the committee bodies and who belongs to which."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ..models_common import UTCDateTime, one_of, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    DELEGATE = "delegate"
    AUDITOR = "auditor"


class Body(Base):
    """A committee that meets: Executive Committee, Standing Committee, Standing Board."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code, e.g. ``btv``.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="body", cascade="all, delete-orphan"
    )


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(one_of("role", Role), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    #: Argon2id hash; the plain password is never stored.
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.DELEGATE.value)
    #: Title shown on copies and lists, e.g. "Phó Bí thư Tỉnh ủy".
    title: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    #: Raised by one whenever every session of the account must end (sign-out, password
    #: reset, deactivation, role change); a session made under an older value is refused.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's session and remember-me identity: the id and the session generation."""
        return f"{self.id}:{self.session_generation}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in {role.value for role in roles}


class Membership(Base):
    """A user's seat in a body, with their position in it (Bí thư, Phó Bí thư, Ủy viên)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("body_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    position: Mapped[str] = mapped_column(String(200))
    #: Order in lists: the Secretary first.
    rank: Mapped[int] = mapped_column(default=100)

    body: Mapped[Body] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class SignInThrottle(Base):
    """Consecutive failed sign-ins for one account or one address, to slow guessing down."""

    __tablename__ = "sign_in_throttle"

    #: ``user:<name>`` or ``addr:<ip>``.
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
