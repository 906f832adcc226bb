"""The progress page turns into the result page when the job ends: what was issued, what
failed and why with a retry, what to do next; the job's state has one name everywhere."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from meetingsvc.accounts.models import Role
from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, JobStatus
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.issuance.services import claim_unit, fail_unit
from tests.issuance.conftest import ACTOR, POLICY

#: The one Vietnamese name of each job state (labels.JOB_STATUS_LABELS, translated).
STATE = {JobStatus.RUNNING: "Đang phát hành", JobStatus.COMPLETED: "Đã hoàn thành",
         JobStatus.COMPLETED_WITH_FAILURES: "Hoàn thành, có lỗi"}


def pages(client, meeting, job) -> tuple[str, str]:
    return (client.get(f"/meetings/{meeting.id}/issuance/{job.id}").get_data(as_text=True),
            client.get(f"/meetings/{meeting.id}").get_data(as_text=True))


def test_an_ended_job_shows_what_was_issued_and_what_comes_next(client, sign_in, make_user,
                                                                  prepared, issued):
    sign_in(make_user(Role.SECRETARIAT))
    page, meeting_page = pages(client, prepared.meeting, issued)
    assert "Kết quả phát hành" in page and "progress.js" not in page
    facts = page.split("result-facts")[1].split("</dl>")[0]
    # 6 delegates; 18 item copies of which the 2 TỐI MẬT ones are on paper; 6 packets.
    for label, value in (("Đại biểu đã nhận", "6 / 6"), ("Bản điện tử", "16"),
                         ("Bản giấy cần in", "2"), ("Bộ tài liệu", "6"),
                         ("Đại biểu bị lỗi", "0")):
        assert f"<dt>{label}</dt><dd>{value}" in facts, label
    assert f"/meetings/{prepared.meeting.id}/receipts" in page
    assert f"/meetings/{prepared.meeting.id}/paper-copies" in page
    assert "Chưa cấu hình gửi thư" in page
    assert STATE[JobStatus.COMPLETED] in page and STATE[JobStatus.COMPLETED] in meeting_page
    assert ">Kết quả</a>" in meeting_page


def test_a_running_job_shows_its_progress_under_the_same_name(client, sign_in, make_user,
                                                                session, prepared):
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    sign_in(make_user(Role.SECRETARIAT))
    page, meeting_page = pages(client, prepared.meeting, job)
    assert "progress.js" in page and "Kết quả phát hành" not in page
    assert STATE[JobStatus.RUNNING] in page and STATE[JobStatus.RUNNING] in meeting_page
    progress = client.get(f"/meetings/{prepared.meeting.id}/issuance/{job.id}/progress.json")
    assert progress.json["status_label"] == STATE[JobStatus.RUNNING]


def test_failures_are_listed_with_their_reason_and_can_be_retried(app, client, sign_in,
                                                                   make_user, session,
                                                                   prepared):
    unlucky = prepared.members[1]
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    unit = session.scalar(select(IssuanceUnit).where(IssuanceUnit.user_id == unlucky.id))
    fail_unit(session, claim_unit(session, "test", timedelta(minutes=5), unit_id=unit.id),
              "the signing token was unplugged", max_attempts=1)
    session.commit()
    run_units_inline(app)
    session.expire_all()
    sign_in(make_user(Role.SECRETARIAT))
    page, meeting_page = pages(client, prepared.meeting, session.get(IssuanceJob, job.id))
    failures = page.split('class="table compact failures"')[1].split("</table>")[0]
    assert unlucky.full_name in failures and "the signing token was unplugged" in failures
    assert "212-BC/TU" in failures  # each failed copy is named by its document's symbol
    assert "<dt>Đại biểu bị lỗi</dt><dd>1" in page
    assert STATE[JobStatus.COMPLETED_WITH_FAILURES] in page
    assert STATE[JobStatus.COMPLETED_WITH_FAILURES] in meeting_page

    client.post(f"/meetings/{prepared.meeting.id}/issuance/{job.id}/retry")
    session.expire_all()
    assert session.get(IssuanceJob, job.id).status == JobStatus.RUNNING
    app.extensions["issuance_runner"].join(timeout=180)
    session.expire_all()
    assert session.get(IssuanceJob, job.id).status == JobStatus.COMPLETED


def test_delegates_and_auditors_never_see_a_job(client, sign_in, make_user, prepared, issued):
    for role in (Role.DELEGATE, Role.AUDITOR):
        sign_in(make_user(role))
        url = f"/meetings/{prepared.meeting.id}/issuance/{issued.id}"
        assert client.get(url).status_code == 404
        assert client.post(f"{url}/notices").status_code == 404
        client.post("/sign-out")
