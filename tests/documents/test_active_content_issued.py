"""The end-to-end promise: no issued copy carries active content, and every copy verifies.

One hostile source is uploaded (and cleaned on upload); another stands for a file stored
before uploads were cleaned, so issuing must clean it itself.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from meetingsvc.documents.blobs import BlobStore
from meetingsvc.documents.services import Upload, add_version
from meetingsvc.issuance.keys import trust_settings
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from signing.report import Indication
from signing.verify import verify_pdf
from tests.documents.hostile_pdfs import (
    active_content_by_pikepdf,
    active_content_by_qpdf,
    issuance_source,
)
from tests.issuance.checks import assert_signed_whole
from tests.issuance.conftest import ACTOR, POLICY, app_config, prepared  # noqa: F401 - fixtures


@pytest.mark.slow
def test_every_issued_copy_is_free_of_active_content_and_verifies(app, session, prepared):  # noqa: F811
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    hostile = issuance_source(pages=3)  # as many as the file it stands in for
    add_version(session, store, prepared.documents["report"],
                Upload(io.BytesIO(hostile), "bao-cao.pdf", 10**7), ACTOR)
    # A file stored before this check existed: its blob holds the hostile bytes as they came.
    old = prepared.documents["programme"].current_version.blob_sha256
    store.path_for(old).write_bytes(hostile)
    assert active_content_by_qpdf(store.path_for(old))
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()

    run_units_inline(app)

    copies = session.scalars(select(IssuedCopy).where(IssuedCopy.blob_sha256.is_not(None))).all()
    assert {c.kind for c in copies} == {"item", "packet"}
    trust = trust_settings(app.config, app.instance_path)
    for copy in copies:
        path = store.path_for(copy.blob_sha256)
        assert active_content_by_qpdf(path) == [], copy.id
        assert active_content_by_pikepdf(path) == [], copy.id
        assert_signed_whole(path)
        assert verify_pdf(path.read_bytes(), trust).indication is Indication.TOTAL_PASSED
