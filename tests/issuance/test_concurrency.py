"""Two secretaries pressing "Issue" at the same moment never number a copy twice."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from meetingsvc.extensions import db
from meetingsvc.issuance.models import IssuedCopy
from meetingsvc.issuance.planning import IssuanceError, start_issuance
from meetingsvc.meetings.models import Meeting
from tests.issuance.conftest import ACTOR
from tests.issuance.test_planning import POLICY


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_issuance_plans_each_copy_once(app, session, prepared):
    """Row locks are what this checks: on PostgreSQL only (SQLite serialises writers)."""
    session.commit()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def press_issue() -> None:
        with app.app_context():
            own = db.new_session()
            try:
                meeting = own.get(Meeting, prepared.meeting.id)
                barrier.wait()
                start_issuance(own, meeting, ACTOR, POLICY)
                own.commit()
                outcomes.append("issued")
            except IssuanceError:
                own.rollback()
                outcomes.append("nothing new")
            finally:
                own.close()

    threads = [threading.Thread(target=press_issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["issued", "nothing new", "nothing new", "nothing new"]
    duplicates = session.execute(
        select(IssuedCopy.series, IssuedCopy.copy_number, func.count())
        .group_by(IssuedCopy.series, IssuedCopy.copy_number).having(func.count() > 1)).all()
    assert duplicates == []
