"""Imports every feature's models module, so the metadata holds every table.

``create_app`` and Alembic import this module for that; the names below are the
models most code needs, not all of them (``RecoveryCode``, ``Reminder``, … are in
their feature's ``models.py``).
"""

from .accounts.models import Body, Membership, Role, SignInThrottle, User
from .api import models as _api  # noqa: F401 - registers its tables
from .attendance import models as _attendance  # noqa: F401 - registers its tables
from .audit.models import AuditEvent
from .comments.models import CommentCall, CommentRevision, DraftComment
from .consultation import models as _consultation  # noqa: F401 - registers its tables
from .documents.models import Blob, Document, DocumentRecipient, DocumentVersion
from .extensions import Base
from .issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy
from .meetings.models import AgendaItem, Invitation, Meeting
from .tracking.models import DeliveryEvent

__all__ = [
    "AgendaItem", "AuditEvent", "Base", "Blob", "Body", "CommentCall", "CommentRevision",
    "DeliveryEvent", "Document", "DraftComment",
    "DocumentRecipient", "DocumentVersion", "Invitation", "IssuanceJob", "IssuanceUnit",
    "IssuedCopy", "Meeting", "Membership", "Role", "SignInThrottle", "User",
]
