"""A Standing Committee of three inside an Executive Committee of five, and an open
consultation of the Standing Committee on one draft, its copies issued and signed."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import meetingsvc.models  # noqa: F401 - every table, before the PostgreSQL schema is made
from meetingsvc.accounts.models import Body, Role, User
from meetingsvc.audit.services import Actor
from meetingsvc.consultation import views as consultation_views
from meetingsvc.consultation.models import Consultation
from meetingsvc.consultation.services import (
    ConsultationDetails,
    QuestionDetails,
    create_consultation,
    open_consultation,
)
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload
from tests.conftest import PKI_PASSPHRASE

POLICY = {"none": "download", "mat": "view_only", "toi_mat": "print", "tuyet_mat": "print"}
ACTOR = Actor(username="test")
#: The tests' "now": the consultation opens now and is due in three days.
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DEADLINE = T0 + timedelta(days=3)


@pytest.fixture
def app_config(app_config, dev_pki, tsa_url):
    return app_config | {"PKI_DIR": str(dev_pki), "DEV_PKI_PASSPHRASE": PKI_PASSPHRASE,
                         "TSA_URL": tsa_url, "ISSUANCE_PROCESSES": 1,
                         "PUBLIC_BASE_URL": "http://127.0.0.1:5000"}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The views' clock, pinned; a test moves it forward by setting ``clock.now``."""
    pinned = Clock(T0)
    monkeypatch.setattr(consultation_views, "now", pinned)
    return pinned


@dataclass
class Opened:
    consultation: Consultation
    standing: list[User]
    outsider: User
    secretariat: User
    auditor: User
    btv: Body


def draft_pdf() -> bytes:
    from meetingsvc.demo.pdfs import render_generic_pdf

    return render_generic_pdf("Dự thảo Nghị quyết về chuyển đổi số", pages=2, seed=3)


@pytest.fixture
def opened(app, session, make_user, make_body, clock) -> Opened:
    from meetingsvc.issuance.runner import run_units_inline

    names = ["Nguyễn Khắc Thắng", "Trần Thị Thu Hằng", "Lê Quang Minh", "Phạm Đức Hùng",
             "Hoàng Văn Khải"]
    members = [make_user(full_name=name, title="Tỉnh ủy viên") for name in names]
    make_body("bch", "Ban Chấp hành Đảng bộ tỉnh", members)
    btv = make_body("btv", "Ban Thường vụ Tỉnh ủy", members[:3])
    secretariat = make_user(Role.SECRETARIAT, full_name="Đinh Thị Thu")
    auditor = make_user(Role.AUDITOR, full_name="Mai Văn Kiên")
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    pdf = draft_pdf()
    consultation = create_consultation(
        session, store, ConsultationDetails(btv.id, "Chủ trương chuyển đổi số", DEADLINE),
        QuestionDetails("Đồng chí có đồng ý thông qua dự thảo Nghị quyết không?",
                        "DT-NQ/TU", "Dự thảo Nghị quyết về chuyển đổi số"),
        Upload(io.BytesIO(pdf), "du-thao.pdf", 10**7), ACTOR, T0)
    open_consultation(session, consultation, ACTOR, POLICY, None, T0)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    return Opened(consultation, members[:3], members[4], secretariat, auditor, btv)
