"""A congress's receipt data made directly in the database: 400 delegates × 30 items.

Issuing that many signed copies takes minutes; the dashboard only reads rows, so
the rows are inserted in bulk: copies, deliveries, openings, page views and
acknowledgements in the proportions of a real session a few days before it.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from meetingsvc.accounts.models import Body, User
from meetingsvc.documents.models import Blob, Document, DocumentVersion
from meetingsvc.issuance.models import IssuanceJob, IssuanceUnit, IssuedCopy
from meetingsvc.meetings.models import AgendaItem, Invitation, Meeting
from meetingsvc.tracking.models import DeliveryEvent

PAGES = 20


def seed_congress(session: Session, delegates: int = 400, items: int = 30,
                  seed: int = 1) -> Meeting:
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=3)
    body = Body(code=f"dh{seed}", name_vi="Đại hội Đảng bộ tỉnh", name_en="Congress")
    session.add(body)
    session.flush()
    meeting = Meeting(body_id=body.id, session_number=20, title="Đại hội đại biểu lần thứ XX",
                      starts_at=start + timedelta(days=5), place="Hội trường", status="issued")
    session.add(meeting)
    sha = f"{seed:064x}"
    if session.get(Blob, sha) is None:
        session.add(Blob(sha256=sha, size=2_000_000))
    session.flush()
    session.execute(insert(User), [
        {"username": f"dh{seed}_{n:04d}", "full_name": f"Đại biểu Nguyễn Văn {n:04d}",
         "password_hash": "-", "role": "delegate", "email": f"dh{n}@example.invalid"}
        for n in range(delegates)])
    user_ids = list(session.scalars(select(User.id).where(User.username.like(f"dh{seed}_%"))
                                    .order_by(User.id)))
    session.execute(insert(Invitation), [
        {"meeting_id": meeting.id, "user_id": u, "role": "member"} for u in user_ids])
    version_ids = []
    for n in range(items):
        item = AgendaItem(meeting_id=meeting.id, position=n + 1, title=f"Nội dung {n + 1}")
        session.add(item)
        session.flush()
        document = Document(meeting_id=meeting.id, agenda_item_id=item.id,
                            symbol=f"{n + 1}-TTr/TU", kind="Tờ trình",
                            title=f"Tờ trình số {n + 1} về phát triển kinh tế – xã hội",
                            confidentiality="mat" if n % 10 == 9 else "none")
        session.add(document)
        session.flush()
        version = DocumentVersion(document_id=document.id, number=1, blob_sha256=sha,
                                  original_filename="ttr.pdf", page_count=PAGES)
        session.add(version)
        session.flush()
        version_ids.append((version.id, document.confidentiality))
    job = IssuanceJob(meeting_id=meeting.id, status="completed")
    session.add(job)
    session.flush()
    session.execute(insert(IssuanceUnit), [
        {"job_id": job.id, "user_id": u, "status": "done"} for u in user_ids])
    units = dict(session.execute(select(IssuanceUnit.user_id, IssuanceUnit.id)
                                 .where(IssuanceUnit.job_id == job.id)).all())
    delivered = start + timedelta(hours=1)
    rows = []
    for number, user_id in enumerate(user_ids, start=1):
        common = {"job_id": job.id, "unit_id": units[user_id], "meeting_id": meeting.id,
                  "user_id": user_id, "copy_number": number, "copy_total": delegates,
                  "status": "delivered", "blob_sha256": sha, "delivered_at": delivered}
        rows.append(common | {"kind": "packet", "series": f"packet:{meeting.id}",
                              "channel": "download", "verification_token": f"p{seed}-{number}"})
        for version_id, level in version_ids:
            rows.append(common | {
                "kind": "item", "document_version_id": version_id,
                "series": f"version:{version_id}",
                "channel": "view_only" if level == "mat" else "download",
                "verification_token": f"c{seed}-{version_id}-{number}"})
    session.execute(insert(IssuedCopy), rows)
    copies = session.execute(select(IssuedCopy.id, IssuedCopy.kind).where(
        IssuedCopy.meeting_id == meeting.id)).all()
    events = []
    for copy_id, kind in copies:
        events.append({"copy_id": copy_id, "kind": "delivered", "at": delivered})
        if kind == "packet":
            if rng.random() < 0.2:
                events.append({"copy_id": copy_id, "kind": "downloaded",
                               "at": delivered + timedelta(hours=rng.uniform(1, 60))})
            continue
        if rng.random() < 0.75:
            opened = delivered + timedelta(hours=rng.uniform(1, 60))
            events.append({"copy_id": copy_id, "kind": "opened", "at": opened})
            events += [{"copy_id": copy_id, "kind": "page_viewed", "page": page,
                        "at": opened + timedelta(seconds=20 * page)}
                       for page in range(1, rng.randint(1, PAGES) + 1)]
            if rng.random() < 0.6:
                events.append({"copy_id": copy_id, "kind": "acknowledged",
                               "at": opened + timedelta(minutes=30)})
    for chunk in range(0, len(events), 20_000):
        session.execute(insert(DeliveryEvent), events[chunk:chunk + 20_000])
    session.commit()
    return meeting
