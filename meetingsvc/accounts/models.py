"""Users, their roles, the committee bodies and who belongs to which."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from ..models_common import UTCDateTime, one_of, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    DELEGATE = "delegate"
    AUDITOR = "auditor"


#: Roles whose accounts must use a second factor when ``REQUIRE_2FA_FOR_STAFF`` is on.
STAFF_ROLES = (Role.ADMIN, Role.SECRETARIAT, Role.AUDITOR)


class Body(Base):
    """A committee that meets: Executive Committee, Standing Committee, Standing Board."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code, e.g. ``btv``.
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: Whether a member who will be absent may name someone to attend in their place.
    allows_stand_in: Mapped[bool] = mapped_column(default=False, server_default=false())

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
    #: Set when an admin gave the account a temporary password: until its holder chooses
    #: their own, every page but the password change and sign-out is closed to them.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Base32 TOTP secret of the second factor; ``None`` while two-factor sign-in is off.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The TOTP time step of the last code accepted; a code of that step or older is refused.
    totp_last_counter: Mapped[int | None]
    #: When the second factor was confirmed.
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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

    @property
    def is_staff(self) -> bool:
        """Admin, secretariat and auditor: the accounts two-factor sign-in can be required of."""
        return self.has_role(*STAFF_ROLES)

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None


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


class ThrottleScope(enum.StrEnum):
    #: One account guessed from one address: blocks that pair only.
    ACCOUNT_ADDRESS = "account_address"
    #: One address, whatever the account: blocks the address.
    ADDRESS = "address"
    #: One account from every address: never blocks on its own; past its threshold it is
    #: audited and addresses that have failed against the account get no free failures.
    ACCOUNT = "account"


class SignInThrottle(Base):
    """Recent failed sign-ins counted per account-and-address, per address and per account.

    Counted with one upsert per key, so concurrent failures are neither lost nor refused.
    """

    __tablename__ = "sign_in_throttle"
    __table_args__ = (CheckConstraint(one_of("scope", ThrottleScope), name="scope_known"),)

    #: ``<factor>:<username>|<address>``, ``addr:<address>`` or ``<factor>-account:<username>``.
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    #: Lower-cased username as typed (it may name no account); ``None`` for an address.
    username: Mapped[str | None] = mapped_column(String(80), index=True)
    address: Mapped[str | None] = mapped_column(String(100))
    #: ``password`` or ``second_factor``; ``None`` for an address, which counts both.
    factor: Mapped[str | None] = mapped_column(String(20))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class RecoveryCode(Base):
    """A one-time code that stands in for the second factor; only its SHA-256 is kept."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    #: SHA-256 (hex) of the normalised code; the code itself is shown once and never stored.
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set when the code is spent; a spent code never works again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
