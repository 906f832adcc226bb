"""The audit chain holds under load: the real app under gunicorn, 8 worker processes,
every delegate signing in, loading a page and signing out at the same moment, on a
SQLite file and on PostgreSQL. Afterwards no request failed and the chain is intact,
one row after another."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from meetingsvc.accounts.models import Role
from meetingsvc.audit.models import AuditEvent
from meetingsvc.audit.services import verify_chain
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 8
PER_WORKER = 50
DELEGATES = WORKERS * PER_WORKER


def _serve(app_config: dict, instance: Path,
           log: list[str]) -> tuple[subprocess.Popen[str], threading.Thread, str]:
    """gunicorn with the test's configuration on a free port; returns once it listens.

    Its log is read to the end in a thread (into ``log``), so a full pipe never stalls it.
    """
    settings = {k: v for k, v in app_config.items() if isinstance(v, (str, int, bool))}
    env = os.environ | {f"MEETINGSVC_{k}": str(v) for k, v in settings.items()}
    env["MEETINGSVC_INSTANCE_PATH"] = str(instance)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", "4",
         "--bind", "127.0.0.1:0", "--log-level", "info", "meetingsvc.wsgi:app"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True, start_new_session=True)
    listening = threading.Event()

    def read() -> None:
        assert server.stderr is not None
        for line in server.stderr:  # ends when gunicorn exits
            log.append(line)
            if "Listening at: " in line:
                listening.set()
        listening.set()

    reader = threading.Thread(target=read, name="gunicorn-log", daemon=True)
    reader.start()
    listening.wait()
    address = [line.split("Listening at: ")[1].split()[0] for line in log
               if "Listening at: " in line]
    assert address, "gunicorn did not start:\n" + "".join(log[-30:])
    return server, reader, address[0]


async def _delegate(base: str, username: str) -> list[int]:
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        statuses = []
        async with client.post(f"{base}/sign-in", allow_redirects=False,
                               data={"username": username, "password": PASSWORD}) as answer:
            statuses.append(answer.status)
        async with client.get(f"{base}/meetings/") as page:
            await page.read()
            statuses.append(page.status)
        async with client.post(f"{base}/sign-out", allow_redirects=False) as answer:
            statuses.append(answer.status)
        return statuses


async def _everyone(base: str, usernames: list[str]) -> list[list[int]]:
    return await asyncio.gather(*(_delegate(base, name) for name in usernames))


@pytest.mark.slow
def test_concurrent_audited_requests_leave_one_unbroken_chain(
        app, app_config, session, make_user, tmp_path):
    usernames = [make_user(Role.DELEGATE, username=f"daibieu{n:03d}").username
                 for n in range(DELEGATES)]
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    session.commit()
    log: list[str] = []
    server, reader, base = _serve(app_config, tmp_path / "instance", log)
    try:
        results = asyncio.run(_everyone(base, usernames))
    finally:
        server.terminate()
        server.wait(60)
        reader.join()
        assert server.stderr is not None
        server.stderr.close()

    assert [s for statuses in results for s in statuses if s >= 500] == [], "".join(
        line for line in log if "Error" in line or "locked" in line)[-3000:]
    assert all(statuses == [302, 200, 302] for statuses in results), results[:5]
    session.expire_all()
    actions = dict(session.execute(select(AuditEvent.action, func.count())
                                   .group_by(AuditEvent.action)).all())
    assert actions["auth.signed_in"] == actions["auth.signed_out"] == DELEGATES
    report = verify_chain(session)
    assert report.intact, report
    assert report.rows_checked == sum(actions.values()) > before + 2 * DELEGATES
