"""Who receives what, as one table: delegate kind × audience rule → receives or not."""

from __future__ import annotations

import pytest

from meetingsvc.documents.entitlement import AudienceRule, Recipient, is_entitled
from meetingsvc.documents.models import Audience

BTV, BCH = 2, 1
ME = 7

MEMBER_OF_BTV = Recipient(ME, is_guest=False, body_ids=frozenset({BCH, BTV}))
MEMBER_NOT_BTV = Recipient(ME, is_guest=False, body_ids=frozenset({BCH}))
GUEST = Recipient(ME, is_guest=True, body_ids=frozenset())
GUEST_ON_BTV = Recipient(ME, is_guest=True, body_ids=frozenset({BTV}))

EVERYONE = AudienceRule(Audience.ALL_INVITED)
EVERYONE_AND_GUESTS = AudienceRule(Audience.ALL_INVITED, open_to_guests=True)
BTV_ONLY = AudienceRule(Audience.BODY_MEMBERS, body_id=BTV)
NAMED_ME = AudienceRule(Audience.NAMED, named_user_ids=frozenset({ME}))
NAMED_OTHERS = AudienceRule(Audience.NAMED, named_user_ids=frozenset({ME + 1, ME + 2}))

TABLE = [
    # recipient        rule                  receives
    (MEMBER_OF_BTV,  EVERYONE,            True),
    (MEMBER_NOT_BTV, EVERYONE,            True),
    (GUEST,          EVERYONE,            False),
    (GUEST,          EVERYONE_AND_GUESTS, True),
    (MEMBER_OF_BTV,  BTV_ONLY,            True),
    (MEMBER_NOT_BTV, BTV_ONLY,            False),
    (GUEST,          BTV_ONLY,            False),
    (GUEST_ON_BTV,   BTV_ONLY,            True),
    (MEMBER_OF_BTV,  NAMED_ME,            True),
    (GUEST,          NAMED_ME,            True),
    (MEMBER_OF_BTV,  NAMED_OTHERS,        False),
    (GUEST,          NAMED_OTHERS,        False),
]


@pytest.mark.parametrize(("recipient", "rule", "receives"), TABLE)
def test_entitlement_table(recipient, rule, receives):
    assert is_entitled(recipient, rule) is receives
