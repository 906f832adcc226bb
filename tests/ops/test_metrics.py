"""/metrics: parses, counts what the database holds, times downloads and units, stays private."""

from __future__ import annotations

import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from meetingsvc.issuance.models import IssuanceUnit, IssuedCopy
from meetingsvc.ops.metrics import exposition
from tests.conftest import PASSWORD
from tests.issuance.conftest import ACTOR, POLICY

FAMILIES = {"meetingsvc_database_up", "meetingsvc_issuance_units", "meetingsvc_copies_signed",
            "meetingsvc_download_duration_seconds", "meetingsvc_issuance_unit_duration_seconds"}


def scrape(client, **kwargs) -> dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    """Each family's samples, keyed by (sample name, sorted labels)."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {family.name: {(s.name, tuple(sorted(s.labels.items()))): s.value
                          for s in family.samples}
            for family in text_string_to_metric_families(response.get_data(as_text=True))}


def test_metrics_parse_and_name_every_family(client):
    families = scrape(client)
    assert set(families) >= FAMILIES
    assert families["meetingsvc_database_up"][("meetingsvc_database_up", ())] == 1
    assert "Set-Cookie" not in client.get("/metrics").headers


def test_queue_depth_counts_the_units_a_new_job_creates(app, client, session, prepared):
    from meetingsvc.issuance.planning import start_issuance

    before = scrape(client)["meetingsvc_issuance_units"]
    pending = ("meetingsvc_issuance_units", (("status", "pending"),))
    assert before[pending] == 0
    job = start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    units = session.scalar(select(func.count()).select_from(IssuanceUnit)
                           .where(IssuanceUnit.job_id == job.id))
    assert units == 6  # five members and a guest
    assert scrape(client)["meetingsvc_issuance_units"][pending] == units


def test_signing_is_counted_from_the_database_and_each_unit_timed(app, client, session,
                                                                   prepared):
    from meetingsvc.issuance.planning import start_issuance
    from meetingsvc.issuance.runner import run_units_inline

    timed = ("meetingsvc_issuance_unit_duration_seconds_count", ())
    before = scrape(client)["meetingsvc_issuance_unit_duration_seconds"][timed]
    start_issuance(session, prepared.meeting, ACTOR, POLICY)
    session.commit()
    run_units_inline(app)
    families = scrape(client)
    signed = session.scalar(select(func.count()).select_from(IssuedCopy)
                            .where(IssuedCopy.signed_at.is_not(None)))
    counted = families["meetingsvc_copies_signed"]
    assert signed > 0
    assert sum(counted[(name, labels)] for name, labels in counted
               if name == "meetingsvc_copies_signed_total") == signed
    assert families["meetingsvc_issuance_units"][
        ("meetingsvc_issuance_units", (("status", "done"),))] == 6
    assert families["meetingsvc_issuance_unit_duration_seconds"][timed] == before + 6


def test_a_delegate_download_is_timed_by_endpoint(app, client, session, prepared, issued):
    copy = session.scalar(select(IssuedCopy).where(
        IssuedCopy.user_id == prepared.members[0].id,
        IssuedCopy.document_version_id == prepared.documents["programme"].current_version.id))
    key = ("meetingsvc_download_duration_seconds_count",
           (("endpoint", "tracking.download_copy"),))
    before = scrape(client)["meetingsvc_download_duration_seconds"].get(key, 0)
    delegate = app.test_client()
    delegate.post("/sign-in", data={"username": prepared.members[0].username,
                                    "password": PASSWORD})
    response = delegate.get(f"/meetings/{prepared.meeting.id}/my/copies/{copy.id}.pdf")
    assert response.status_code == 200
    response.close()
    assert scrape(client)["meetingsvc_download_duration_seconds"][key] == before + 1


def test_metrics_are_404_beyond_the_allowed_networks(app, client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    # Through a proxy the address is the proxy's own: a proxied request is never a scrape.
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    app.config["METRICS_ALLOWED_NETWORKS"] = ("10.20.0.0/16",)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    assert client.get("/metrics").status_code == 404


#: A gunicorn worker's share: the download histogram as metrics.py declares it, one observation.
OBSERVE = """
from prometheus_client import Histogram
Histogram("meetingsvc_download_duration_seconds", "", ["endpoint"]).labels(
    "tracking.download_copy").observe(0.02)
"""


def no_database():
    raise ConnectionError("no database in this test")


def test_two_processes_timings_add_up_in_multiprocess_mode(tmp_path):
    """gunicorn's workers each time their own downloads; one scrape shows them all."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", OBSERVE], check=True, timeout=60,
                       env={"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    text = exposition(no_database, multiprocess_dir=str(directory)).decode()
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert samples[("meetingsvc_download_duration_seconds_count",
                    (("endpoint", "tracking.download_copy"),))] == 2
    assert samples[("meetingsvc_database_up", ())] == 0
