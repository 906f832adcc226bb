"""A small meeting ready to issue: an Executive Committee of five, two on the Standing Committee.

Also ``issued``: that meeting issued end to end. The tracking and browser tests reuse these.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from meetingsvc.accounts.models import Body, User
from meetingsvc.audit.services import Actor
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.models import Audience, Document
from meetingsvc.documents.services import DocumentDetails, Upload, create_document
from meetingsvc.documents.vocabulary import Confidentiality
from meetingsvc.meetings.models import Invitation, Meeting
from meetingsvc.meetings.services import add_agenda_item
from tests.conftest import PKI_PASSPHRASE


@pytest.fixture
def app_config(app_config, dev_pki, tsa_url):
    """The app signs with the session's PKI and timestamps with the session's TSA."""
    return app_config | {"PKI_DIR": str(dev_pki), "DEV_PKI_PASSPHRASE": PKI_PASSPHRASE,
                         "TSA_URL": tsa_url, "ISSUANCE_PROCESSES": 1,
                         "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}


@dataclass
class Prepared:
    meeting: Meeting
    members: list[User]
    standing: list[User]
    guest: User
    documents: dict[str, Document]
    btv: Body


ACTOR = Actor(username="test")


def add_document(app, session, meeting, title: str, pdf: bytes, **details) -> Document:
    item = add_agenda_item(session, meeting, title, "Chánh Văn phòng", ACTOR)
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    return create_document(session, store, item, DocumentDetails(kind="Báo cáo", title=title,
                                                                 **details),
                           Upload(io.BytesIO(pdf), "tai-lieu.pdf", 10**7), ACTOR)


@pytest.fixture
def prepared(app, session, make_user, make_body, make_meeting) -> Prepared:
    from meetingsvc.demo.pdfs import render_generic_pdf

    names = ["Nguyễn Khắc Thắng", "Trần Thị Thu Hằng", "Lê Quang Minh", "Phạm Đức Hùng",
             "Hoàng Văn Khải"]
    members = [make_user(full_name=name) for name in names]
    guest = make_user(full_name="Đoàn Văn Thọ")
    make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", members)
    btv = make_body("btv", "Ban Thường vụ Tỉnh ủy", members[:2])
    meeting = make_meeting(members[0].memberships[0].body, "Hội nghị Ban Chấp hành lần thứ 12")
    session.add(Invitation(meeting_id=meeting.id, user_id=guest.id, role="guest"))
    pdf = render_generic_pdf("Báo cáo tình hình kinh tế – xã hội", pages=3, seed=1)
    documents = {
        "programme": add_document(app, session, meeting, "Chương trình hội nghị", pdf,
                                  symbol="11-CTr/TU", open_to_guests=True),
        "report": add_document(app, session, meeting, "Báo cáo kinh tế – xã hội", pdf,
                               symbol="212-BC/TU"),
        "secret": add_document(app, session, meeting, "Báo cáo kiểm tra", pdf,
                               symbol="215-BC/TU", confidentiality=Confidentiality.MAT),
        "btv_only": add_document(app, session, meeting, "Tờ trình nhân sự", pdf,
                                 symbol="38-TTr/TU", confidentiality=Confidentiality.TOI_MAT,
                                 audience=Audience.BODY_MEMBERS, audience_body_id=btv.id),
    }
    session.commit()
    return Prepared(meeting, members, members[:2], guest, documents, btv)


#: The issuance policy of the tests, the same as the default.
POLICY = {"none": "download", "mat": "view_only", "toi_mat": "print", "tuyet_mat": "print"}


@pytest.fixture
def issued(app, session, prepared):
    """The prepared meeting issued: every delegate's copies signed and delivered."""
    from meetingsvc.issuance.models import IssuanceJob
    from meetingsvc.issuance.planning import start_issuance
    from meetingsvc.issuance.runner import run_units_inline

    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    return session.get(IssuanceJob, job.id)
