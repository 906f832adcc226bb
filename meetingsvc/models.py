"""Imports every feature's models, so the metadata is complete for Alembic and tests."""

from .accounts.models import Body, Membership, Role, SignInThrottle, User
from .audit.models import AuditEvent
from .documents.models import Blob, Document, DocumentRecipient, DocumentVersion
from .extensions import Base
from .issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy
from .meetings.models import AgendaItem, Invitation, Meeting
from .tracking.models import DeliveryEvent

__all__ = [
    "AgendaItem", "AuditEvent", "Base", "Blob", "Body", "DeliveryEvent", "Document",
    "DocumentRecipient", "DocumentVersion", "Invitation", "IssuanceJob", "IssuanceUnit",
    "IssuedCopy", "Meeting", "Membership", "Role", "SignInThrottle", "User",
]
