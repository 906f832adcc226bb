"""The API's issuance, copies and receipts: the web's rules, reached with a key.

Issuing through the API wakes the runner as the web's Issue button does; here the wake-up
is recorded and the units are run in this process (``run_units_inline``), so nothing
signs in the background.
"""
# ruff: noqa: F811 - the issuance tests' fixtures, imported below, are parameters here

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.api import issuance as api_issuance
from meetingsvc.audit.models import AuditEvent
from meetingsvc.documents.blobs import BlobStore
from meetingsvc.issuance.models import IssuanceJob, IssuedCopy
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.models_common import utcnow
from meetingsvc.tracking.dashboard import ReceiptFilter, receipt_matrix
from tests.api.test_api import PROBLEM, bearer, key
from tests.issuance.conftest import app_config, issued, prepared  # noqa: F401 - reused fixtures
from tests.tracking.conftest import item_copy


@pytest.fixture
def wakes(monkeypatch) -> list[object]:
    """Every wake-up of the issuance runner: recorded, never started."""
    calls: list[object] = []
    monkeypatch.setattr(api_issuance, "start_runner", calls.append)
    return calls


@pytest.fixture
def staff(session, make_user) -> dict[str, str]:
    return bearer(key(session, make_user(Role.SECRETARIAT, username="thuky"),
                      name="Hệ thống văn bản"))


def audited(session, action: str) -> list[dict]:
    session.expire_all()
    return [json.loads(e.details or "{}") | {"_actor": e.actor_name} for e in session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def issue(client, staff, meeting_id: int):
    plan = client.get(f"/api/v1/meetings/{meeting_id}/issuance/plan", headers=staff).json
    return client.post(f"/api/v1/meetings/{meeting_id}/issuance/jobs", headers=staff,
                       json={"plan": plan["plan"]})


def test_issuing_counts_as_the_confirmation_does_and_runs_to_completion(
        app, client, session, prepared, staff, wakes):
    base = f"/api/v1/meetings/{prepared.meeting.id}/issuance"
    passphrase, app.config["DEV_PKI_PASSPHRASE"] = app.config["DEV_PKI_PASSPHRASE"], None
    keyless = client.get(f"{base}/plan", headers=staff)  # refused now, with the reason
    assert keyless.status_code == 409 and "khóa ký số" in keyless.json["detail"]
    app.config["DEV_PKI_PASSPHRASE"] = passphrase
    plan = client.get(f"{base}/plan", headers=staff).json
    # As the web's confirmation: six delegates, 18 numbered copies, two on paper.
    assert (plan["delegates"], plan["item_copies"], plan["paper_copies"]) == (6, 18, 2)
    stale = client.post(f"{base}/jobs", headers=staff, json={"plan": "0" * 16})
    assert stale.status_code == 409 and stale.content_type == PROBLEM
    assert "6" in stale.json["detail"] and not wakes
    assert session.scalar(select(func.count()).select_from(IssuanceJob)) == 0
    missing = client.post(f"{base}/jobs", headers=staff, json={})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "plan"

    started = client.post(f"{base}/jobs", headers=staff, json={"plan": plan["plan"]})
    assert started.status_code == 201, started.json
    assert started.headers["Location"] == f"{base}/jobs/{started.json['id']}"
    assert started.json["status"] == "running" and started.json["total"] > 18
    assert started.json["stalled"] is False  # only after a minute with no worker at it
    assert wakes == [app]
    assert audited(session, "issuance.started")[0]["api_token"] == "Hệ thống văn bản"
    run_units_inline(app)

    job = client.get(started.headers["Location"], headers=staff).json
    assert job["status"] == "completed" and job["percent"] == 100
    assert (job["status_label_vi"], job["status_label_en"]) == ("Đã hoàn thành", "Completed")
    assert job["delegates_done"] == job["delegates_total"] == 6 and job["stalled"] is False
    assert client.get(f"{base}/jobs", headers=staff).json["items"][0]["id"] == job["id"]
    again = client.get(f"{base}/plan", headers={**staff, "Accept-Language": "en"})
    assert again.status_code == 409
    assert again.json["detail"] == "Every delegate already has every current document."


def test_failed_units_are_listed_with_their_reason_and_retried(app, client, session,
                                                                prepared, staff, wakes):
    store = BlobStore(Path(app.config["BLOB_DIR"]))
    source = store.path_for(prepared.documents["report"].current_version.blob_sha256)
    good = source.read_bytes()
    source.write_bytes(b"%PDF-1.7 broken")
    app.config["ISSUANCE_MAX_ATTEMPTS"] = 1
    job_url = issue(client, staff, prepared.meeting.id).headers["Location"]
    run_units_inline(app)
    assert client.get(job_url, headers=staff).json["status"] == "completed_with_failures"
    failures = client.get(f"{job_url}/failures", headers=staff).json["items"]
    assert len(failures) == 6  # the documents share one source file: everyone's failed
    assert {c["symbol"] for f in failures for c in f["copies"]} >= {"212-BC/TU", None}
    assert all(c["reason"] for f in failures for c in f["copies"])

    source.write_bytes(good)
    retried = client.post(f"{job_url}/retry", headers=staff)
    assert retried.status_code == 200 and retried.json["queued"] == 6
    assert retried.json["job"]["status"] == "running" and len(wakes) == 2
    assert audited(session, "issuance.retried")[-1]["api_token"] == "Hệ thống văn bản"
    run_units_inline(app)
    assert client.get(job_url, headers=staff).json["status"] == "completed"
    assert client.get(f"{job_url}/failures", headers=staff).json["items"] == []
    assert client.post(f"{job_url}/retry", headers=staff).json["queued"] == 0


def my_copies(client, headers, meeting_id: int) -> dict:
    response = client.get(f"/api/v1/meetings/{meeting_id}/my/copies", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def by_symbol(entries: list[dict]) -> dict[str, dict]:
    return {e["document"]["symbol"]: e for e in entries}


def test_a_delegates_links_follow_the_confidentiality_policy(client, session, prepared,
                                                             issued, sign_in):
    member = prepared.standing[0]  # holds all four: unmarked, MẬT and TỐI MẬT on paper
    meeting_id = prepared.meeting.id
    mine = my_copies(client, bearer(key(session, member)), meeting_id)
    held = by_symbol(mine["copies"])
    assert list(held) == ["11-CTr/TU", "212-BC/TU", "215-BC/TU", "38-TTr/TU"]
    report = held["212-BC/TU"]
    assert report["holding"] == "read" and report["copy"]["state"] == "new"
    assert report["links"]["download"] == (
        f"/meetings/{meeting_id}/my/copies/{report['copy']['id']}.pdf")
    secret = held["215-BC/TU"]  # MẬT: the viewer's page only, never a PDF
    assert secret["copy"]["channel"] == "view_only"
    assert secret["links"] == {
        "view": f"/meetings/{meeting_id}/my/copies/{secret['copy']['id']}/view",
        "download": None}
    paper = held["38-TTr/TU"]  # TỐI MẬT: a numbered paper copy, nothing to open
    assert paper["holding"] == "paper_waiting" and paper["copy"] is None
    assert paper["links"] == {"view": None, "download": None}
    assert paper["paper"]["label"].startswith("Bản số")
    assert mine["withdrawn"] == [] and mine["packet"]["links"]["pdf"].endswith("/packet.pdf")
    everything = json.dumps(mine)
    assert ".pdf" not in json.dumps(secret) and "file.pdf" not in everything

    sign_in(member)  # the links are the portal's own pages
    download = client.get(report["links"]["download"])
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    download.close()
    assert client.get(f"/meetings/{meeting_id}/my/copies/{secret['copy']['id']}.pdf"
                      ).status_code == 404


def test_a_delegate_reaches_neither_another_delegates_copy_nor_another_bodys_meeting(
        client, session, prepared, issued, make_meeting, staff):
    first, other = prepared.members[0], prepared.members[2]  # other is not on the BTV
    headers = bearer(key(session, other))
    meeting_id = prepared.meeting.id
    theirs = item_copy(session, first, prepared.documents["report"])
    own = item_copy(session, other, prepared.documents["report"])
    url = f"/api/v1/meetings/{meeting_id}/my/copies"
    assert client.get(f"{url}/{own.id}", headers=headers).json["copy"]["id"] == own.id
    stolen = client.get(f"{url}/{theirs.id}", headers=headers)
    assert stolen.status_code == 404 and stolen.content_type == PROBLEM
    assert theirs.id not in {c["copy"]["id"] for c in
                             my_copies(client, headers, meeting_id)["copies"] if c["copy"]}
    standing = make_meeting(prepared.btv, title="Hội nghị Ban Thường vụ", number=41)
    assert client.get(f"/api/v1/meetings/{standing.id}/my/copies",
                      headers=headers).status_code == 404
    for staff_only in (f"/api/v1/meetings/{meeting_id}/copies",
                       f"/api/v1/meetings/{meeting_id}/receipts",
                       f"/api/v1/meetings/{meeting_id}/issuance/jobs/{issued.id}"):
        assert client.get(staff_only, headers=headers).status_code == 403, staff_only
    assert client.get(f"{url}", headers=staff).status_code == 403  # the office holds none


def test_recall_takes_the_copy_off_the_delegates_list_and_its_links_404(
        client, session, prepared, issued, staff, sign_in, wakes):
    member, meeting_id = prepared.members[3], prepared.meeting.id
    headers = bearer(key(session, member))
    before = by_symbol(my_copies(client, headers, meeting_id)["copies"])["212-BC/TU"]
    recall_url = (f"/api/v1/meetings/{meeting_id}/documents/"
                  f"{prepared.documents['report'].id}/recall")
    preview = client.get(recall_url, headers=staff).json
    assert (preview["copies"], preview["delegates"], preview["packets"]) == (5, 5, 5)
    stale = client.post(recall_url, headers=staff, json={"preview": "stale"})
    assert stale.status_code == 409 and stale.content_type == PROBLEM

    recalled = client.post(recall_url, headers=staff, json={"preview": preview["preview"]})
    assert recalled.status_code == 200, recalled.json
    assert recalled.json["copies"] == 5 and recalled.json["rebuild_job_id"]
    assert len(wakes) == 1  # the packets are rebuilt without it
    assert audited(session, "document.recalled")[0]["api_token"] == "Hệ thống văn bản"

    after = my_copies(client, headers, meeting_id)
    assert "212-BC/TU" not in by_symbol(after["copies"])
    gone = by_symbol(after["withdrawn"])["212-BC/TU"]
    assert gone["holding"] == "recalled" and gone["links"] == {"view": None, "download": None}
    sign_in(member)
    assert client.get(before["links"]["download"]).status_code == 404
    assert client.get(before["links"]["view"]).status_code == 404
    again = client.post(recall_url, headers=staff, json={
        "preview": client.get(recall_url, headers=staff).json["preview"]})
    assert again.status_code == 409  # nothing left out to recall


def test_staff_read_every_copy_and_receipts_that_agree_with_the_receipts_page(
        app, client, session, prepared, issued, staff, sign_in, make_user):
    url = f"/api/v1/meetings/{issued.meeting_id}/copies"
    first = client.get(f"{url}?per_page=7", headers=staff)
    total = first.json["pagination"]["total"]
    assert total == session.scalar(select(func.count()).select_from(IssuedCopy))
    seen = []
    for page in range(1, first.json["pagination"]["pages"] + 1):
        seen += [c["id"] for c in client.get(f"{url}?per_page=7&page={page}",
                                             headers=staff).json["items"]]
    assert seen == sorted(seen) and len(set(seen)) == total  # stable, nothing twice
    unchanged = client.get(f"{url}?per_page=7",
                           headers={**staff, "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and 'rel="next"' in first.headers["Link"]

    member, meeting = prepared.members[1], prepared.meeting
    copy = item_copy(session, member, prepared.documents["report"])
    sign_in(member)
    client.get(f"/meetings/{meeting.id}/my/copies/{copy.id}.pdf").close()
    client.post(f"/meetings/{meeting.id}/my/copies/{copy.id}/acknowledge")

    url = f"/api/v1/meetings/{meeting.id}/receipts"
    matrix = client.get(url, headers=staff).json
    page = receipt_matrix(session, meeting, ReceiptFilter(), utcnow())  # the web page's
    assert matrix["totals"] == page.totals
    assert [c["document"]["id"] for c in matrix["columns"]] == page.document_ids
    row = next(r for r in matrix["rows"] if r["delegate_id"] == member.id)
    cell = next(c for c in row["cells"] if c["copy_id"] == copy.id)
    assert cell["stage"] == "acknowledged"
    assert cell["delivered_at"] and cell["downloaded_at"] and cell["acknowledged_at"]
    assert (row["opened"], row["acknowledged"]) == (1, 1)
    lagging = client.get(f"{url}?missing=not_acknowledged&document_id="
                         f"{prepared.documents['report'].id}", headers=staff).json
    assert member.id not in {r["delegate_id"] for r in lagging["rows"]}
    assert len(lagging["rows"]) == 4 and lagging["totals"] == page.totals

    theirs = client.get(f"{url}/delegates/{member.id}", headers=staff).json
    assert theirs["row"] == row
    assert {e["kind"] for e in theirs["events"]} == {"delivered", "downloaded", "acknowledged"}
    stranger = make_user(full_name="Người ngoài")
    assert client.get(f"{url}/delegates/{stranger.id}", headers=staff).status_code == 404
    # As on the web, the receipts are the secretariat's: an auditor is refused.
    auditor = bearer(key(session, make_user(Role.AUDITOR)))
    assert client.get(url, headers=auditor).status_code == 403
