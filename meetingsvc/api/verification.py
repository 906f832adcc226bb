"""API: verify a PDF as the web's verifier does, and read a kept report again (auditors).

The report is the web's JSON, word for word: ``verify_upload`` keeps it and logs the
verification. A file that is not a PDF at all, and is no issued copy, is refused (422
naming ``file``) — after it is logged, as the web logs it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, url_for
from werkzeug.datastructures import FileStorage

from ..audit.models import VerificationRecord
from ..audit.verification import VerificationRefused, read_upload, report_of, verify_upload
from ..documents.blobs import blob_store
from ..extensions import db
from ..issuance.keys import trust_settings
from .around_schemas import VerificationOut, VerifyUpload
from .auth import api_actor
from .common import ID, api_blueprint, auditor_only, json_response, not_found, problems, refused
from .problems import problem

bp = api_blueprint("api_verification", "/api/v1",
                   "Verification (kiểm tra chữ ký) of a PDF: the web's report.")


def _unreadable(report: dict[str, Any]) -> bool:
    """Nothing to report but that the file could not be read: no signature, no copy."""
    verification = report["verification"]
    return (verification["sub_indication"] == "FORMAT_FAILURE"
            and not verification["signatures"] and report["issued_copy"] is None)


@bp.post("/verifications")
@auditor_only
@bp.arguments(VerifyUpload, location="files")
@bp.response(201, VerificationOut, headers={"Location": {"schema": {"type": "string"}}})
@problems(bp, 400, 403, 413, 422)
def verify(files: dict[str, Any]) -> Response:
    """Verify a PDF: signatures, signer, times, and which issued copy it is (auditors)"""
    file: FileStorage = files["file"]
    try:
        upload = read_upload(file.stream, file.filename,
                             int(current_app.config["VERIFY_MAX_UPLOAD_BYTES"]))
    except VerificationRefused as error:
        return refused(error, "files")
    finally:
        file.close()
    kept = verify_upload(db.session, upload,
                         trust_settings(current_app.config, current_app.instance_path),
                         blob_store(current_app.config), api_actor())
    report = report_of(kept)
    if _unreadable(report):
        verification = report["verification"]
        return problem(422, ("Tệp không phải PDF đọc được: " + verification["explanation_vi"],
                             "The file is not a readable PDF: "
                             + verification["explanation_en"]),
                       errors=[{"field": "file", "in": "files",
                                "messages": [verification["detail"] or "FORMAT_FAILURE"],
                                "verification_id": kept.id}])
    response = json_response(report, 201)
    response.headers["Location"] = url_for(".read_verification", record_id=kept.id)
    return response


@bp.get(f"/verifications/<{ID}:record_id>")
@auditor_only
@bp.response(200, VerificationOut)
@problems(bp, 403, 404)
def read_verification(record_id: int) -> Response:
    """Read a kept verification report again (auditors)"""
    kept = db.session.get(VerificationRecord, record_id)
    if kept is None:
        return not_found("báo cáo kiểm tra này", "verification")
    report = report_of(kept)
    return json_response(report)
