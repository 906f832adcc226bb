"""Imports every feature's models, so the metadata is complete for Alembic and tests."""

from .accounts.models import Body, Membership, Role, SignInThrottle, User
from .audit.models import AuditEvent
from .documents.models import Blob, Document, DocumentRecipient, DocumentVersion
from .extensions import Base
from .meetings.models import AgendaItem, Invitation, Meeting

__all__ = [
    "AgendaItem", "AuditEvent", "Base", "Blob", "Body", "Document", "DocumentRecipient",
    "DocumentVersion", "Invitation", "Meeting", "Membership", "Role", "SignInThrottle", "User",
]
