"""The progress page turns into the result page when the job ends: what was issued, what
failed and why with a retry, what to do next; the job's state has one name everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from meetingsvc.accounts.models import Role
from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, JobStatus
from meetingsvc.issuance.planning import start_issuance
from meetingsvc.issuance.runner import run_units_inline
from meetingsvc.issuance.services import claim_unit, fail_unit, job_progress, retry_failed_units
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


#: What the page says when no signing worker takes the job's work (its Vietnamese start).
STALLED = "không có tiến trình ký nào nhận việc"


def pin_clock(monkeypatch, at: datetime) -> None:
    """The pages' progress reads ``at`` as now: idle times are exact, whatever the machine."""
    monkeypatch.setattr("meetingsvc.issuance.services.utcnow", lambda: at)


def test_a_job_that_no_worker_takes_up_says_so_until_one_does(client, sign_in, make_user,
                                                               session, prepared, monkeypatch):
    """No issuance worker running (a new operator's `flask run`): after a minute with none
    of the job's units held or finished, the page says so and whom to call."""
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    started = job.created_at
    assert not job_progress(session, job, now=started + timedelta(seconds=59)).stalled
    waited = job_progress(session, job, now=started + timedelta(minutes=3))
    assert waited.stalled and waited.stalled_minutes == 3

    unit = claim_unit(session, "test", timedelta(minutes=5), job_id=job.id)
    session.commit()
    held = job_progress(session, job, now=started + timedelta(minutes=3))
    assert held.idle_seconds is None and not held.stalled  # a worker is at it
    # That worker died holding it: once its lease has run out, nobody is.
    assert job_progress(session, job, now=unit.lease_until + timedelta(minutes=2)).stalled

    # Seen on the page and in its polling, five minutes after the job started.
    session.execute(update(IssuanceUnit).where(IssuanceUnit.job_id == job.id).values(
        queued_at=started - timedelta(minutes=5), lease_until=None, status="pending"))
    session.execute(update(IssuanceJob).where(IssuanceJob.id == job.id).values(
        created_at=started - timedelta(minutes=5)))
    session.commit()
    sign_in(make_user(Role.SECRETARIAT))
    pin_clock(monkeypatch, started)
    page, _meeting_page = pages(client, prepared.meeting, job)
    notice = page.split('data-field="stalled"')[1].split("</p>")[0]
    assert STALLED in notice and "hidden" not in notice.split(">")[0]
    polled = client.get(f"/meetings/{prepared.meeting.id}/issuance/{job.id}/progress.json").json
    assert polled["stalled"] and STALLED in polled["stalled_message"]
    assert polled["idle_seconds"] == 300


def test_a_worker_whose_attempts_fail_is_not_taken_for_a_missing_one(session, prepared):
    """The timestamp server down: the worker fails each attempt at once and never holds a
    unit for long, but it is there, and the page must not send anyone to look for it."""
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.execute(update(IssuanceJob).where(IssuanceJob.id == job.id).values(
        created_at=job.created_at - timedelta(minutes=10)))
    session.execute(update(IssuanceUnit).where(IssuanceUnit.job_id == job.id).values(
        queued_at=job.created_at - timedelta(minutes=10)))
    session.commit()
    assert job_progress(session, job).stalled
    fail_unit(session, claim_unit(session, "test", timedelta(minutes=5), job_id=job.id),
              "the timestamp server did not answer", max_attempts=3)
    session.commit()
    assert not job_progress(session, job).stalled


def test_retried_units_start_a_new_wait(session, prepared):
    """A retry is new work: the page must not call for help the moment it is clicked."""
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    for unit in session.scalars(select(IssuanceUnit).where(IssuanceUnit.job_id == job.id)):
        fail_unit(session, claim_unit(session, "test", timedelta(minutes=5), unit_id=unit.id),
                  "the timestamp server did not answer", max_attempts=1)
    session.commit()
    assert session.get(IssuanceJob, job.id).status == JobStatus.COMPLETED_WITH_FAILURES
    assert job_progress(session, job).idle_seconds is None  # an ended job waits for nothing
    session.execute(update(IssuanceUnit).where(IssuanceUnit.job_id == job.id).values(
        queued_at=job.created_at - timedelta(hours=1),
        finished_at=job.created_at - timedelta(hours=1)))
    session.execute(update(IssuanceJob).where(IssuanceJob.id == job.id).values(
        created_at=job.created_at - timedelta(hours=1)))
    session.commit()
    session.expire_all()
    job = session.get(IssuanceJob, job.id)
    assert retry_failed_units(session, job, ACTOR)
    session.commit()
    progress = job_progress(session, job)
    assert job.status == JobStatus.RUNNING and progress.idle_seconds is not None
    assert not progress.stalled  # waiting since the retry, not since an hour ago


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


def test_the_office_sets_how_long_a_job_may_wait_for_a_worker(app, client, sign_in, make_user,
                                                               session, prepared, monkeypatch):
    """A shared Celery pool often busy elsewhere: the notice waits for the office's setting."""
    app.config["ISSUANCE_STALLED_AFTER_SECONDS"] = 600
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.flush()
    five_minutes_ago = job.created_at - timedelta(minutes=5)
    session.execute(update(IssuanceUnit).where(IssuanceUnit.job_id == job.id).values(
        queued_at=five_minutes_ago))
    session.execute(update(IssuanceJob).where(IssuanceJob.id == job.id).values(
        created_at=five_minutes_ago))
    session.commit()
    pin_clock(monkeypatch, five_minutes_ago + timedelta(minutes=5))
    sign_in(make_user(Role.SECRETARIAT))
    url = f"/meetings/{prepared.meeting.id}/issuance/{job.id}"
    assert not client.get(f"{url}/progress.json").json["stalled"]  # 5 of 10 minutes
    assert STALLED not in client.get(url).get_data(as_text=True)
    app.config["ISSUANCE_STALLED_AFTER_SECONDS"] = 120
    assert client.get(f"{url}/progress.json").json["stalled"]
    progress = job_progress(session, job, now=five_minutes_ago + timedelta(minutes=5),
                            stalled_after=timedelta(minutes=2))
    assert progress.stalled and progress.stalled_after_seconds == 120
    assert progress.idle_seconds == 300
