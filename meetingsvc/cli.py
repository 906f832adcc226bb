"""``flask --app meetingsvc ...`` commands: database, demo data, users, audit."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask
from flask.cli import AppGroup

from .accounts.models import Role
from .audit.services import Actor
from .errors import DomainError
from .extensions import db

db_cli = AppGroup("db", help="Database schema (Alembic).")
users_cli = AppGroup("users", help="Create users, set roles, reset passwords.")
audit_cli = AppGroup("audit", help="The audit log.")
signing_cli = AppGroup("signing", help="The office's signing key and the development PKI.")
issuance_cli = AppGroup("issuance", help="Issuance jobs.")

#: Changes made from the command line are recorded as the operator's, not a user's.
CLI_ACTOR = Actor(username="cli")


def register_commands(app: Flask) -> None:
    from .backup.cli import backup_cli

    for group in (db_cli, users_cli, audit_cli, signing_cli, issuance_cli, backup_cli):
        app.cli.add_command(group)
    app.cli.add_command(init_command)
    app.cli.add_command(seed_demo_command)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from flask import current_app

    from .migrate import upgrade

    upgrade(current_app, revision)
    click.echo(f"database at {revision}")


@click.command("init")
def init_command() -> None:
    """Migrate the database to the newest schema; safe to run again."""
    from flask import current_app

    from .migrate import upgrade

    upgrade(current_app)
    click.echo("database ready")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo province: bodies, 55 members, two meetings with documents."""
    from flask import current_app

    from .demo.seed import DEMO_PASSWORDS, database_is_empty, seed_demo

    if if_empty and not database_is_empty(db.session):
        click.echo("database has data: demo not loaded")
        return
    summary = seed_demo(db.session, current_app.config, progress=click.echo)
    db.session.commit()
    click.echo(summary)
    click.echo("demo accounts (username / password):")
    for role, (username, password) in DEMO_PASSWORDS.items():
        click.echo(f"  {role:12} {username:14} {password}")


def _session_user(username: str):  # type: ignore[no-untyped-def]
    from .accounts.services import find_user

    user = find_user(db.session, username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name, as printed on copies.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.DELEGATE.value)
@click.option("--email", default=None)
@click.option("--title", default=None, help="Position, e.g. 'Phó Bí thư Tỉnh ủy'.")
@click.password_option(help="Asked for when not given.")
def create_user_command(username: str, full_name: str, role: str, email: str | None,
                        title: str | None, password: str) -> None:
    """Create a user."""
    from .accounts.services import create_user

    try:
        create_user(db.session, username, full_name, password, Role(role), email=email,
                    title=title, actor=CLI_ACTOR)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created {username} ({role})")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def set_role_command(username: str, role: str) -> None:
    """Give a user another role."""
    from .accounts.services import set_role

    try:
        set_role(db.session, _session_user(username), Role(role), CLI_ACTOR)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{username} is now {role}")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--temporary", is_flag=True,
              help="The user must choose their own password at the next sign-in.")
@click.password_option(help="Asked for when not given.")
def reset_password_command(username: str, password: str, temporary: bool) -> None:
    """Set a new password for a user."""
    from .accounts.services import reset_password

    try:
        reset_password(db.session, _session_user(username), password, CLI_ACTOR,
                       temporary=temporary)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"password of {username} reset")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_user_command(username: str) -> None:
    """Deactivate a user: every session ends and signing in is refused."""
    from .accounts.services import set_active

    try:
        set_active(db.session, _session_user(username), False, CLI_ACTOR)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{username} deactivated")


@users_cli.command("activate")
@click.argument("username")
def activate_user_command(username: str) -> None:
    """Let a deactivated user sign in again."""
    from .accounts.services import set_active

    set_active(db.session, _session_user(username), True, CLI_ACTOR)
    db.session.commit()
    click.echo(f"{username} activated")


@users_cli.command("unlock")
@click.argument("username")
@click.option("--address", default=None, help="Also lift the block on this address.")
def unlock_user_command(username: str, address: str | None) -> None:
    """Forget a user's failed sign-ins from every address and lift their blocks."""
    from .accounts.throttling import unlock_account

    count = unlock_account(db.session, username, CLI_ACTOR, address)
    db.session.commit()
    click.echo(f"{username} unlocked ({count} failure counters cleared)")


@users_cli.command("reset-2fa")
@click.argument("username")
def reset_two_factor_command(username: str) -> None:
    """Remove a user's second factor (a lost phone); they set it up again at sign-in."""
    from .accounts.two_factor import reset_two_factor

    reset_two_factor(db.session, _session_user(username), CLI_ACTOR)
    db.session.commit()
    click.echo(f"second factor of {username} removed; every session of the account ended")


@users_cli.command("list")
def list_users_command() -> None:
    """List users with their roles."""
    from sqlalchemy import select

    from .accounts.models import User

    for user in db.session.scalars(select(User).order_by(User.role, User.username)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.username:20} {user.role:12} {user.full_name}{state}")


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Check the hash chain and every signed checkpoint; name the first thing broken."""
    from flask import current_app

    from .audit.services import verify_log
    from .issuance.keys import trust_settings

    report = verify_log(db.session, trust_settings(current_app.config, current_app.instance_path))
    chain, checkpoints = report.chain, report.checkpoints
    if not chain.intact:
        click.echo(f"audit log BROKEN at row {chain.first_broken_id}: {chain.reason} "
                   f"({chain.rows_checked} rows before it hold)", err=True)
    for problem in checkpoints.problems:
        click.echo(f"audit log TRUNCATED or altered: {problem}", err=True)
    if not report.intact:
        raise SystemExit(1)
    click.echo(f"audit log intact: {chain.rows_checked} rows")
    if checkpoints.newest_seq is None:
        click.echo("no signed checkpoint yet: run `flask --app meetingsvc audit checkpoint`")
        return
    click.echo(f"{checkpoints.checked} signed checkpoints verify; the newest, "
               f"#{checkpoints.newest_seq} of {checkpoints.newest_at}, covers row "
               f"{checkpoints.newest_event_id}; {checkpoints.rows_after_newest} rows after it")


@audit_cli.command("checkpoint")
def audit_checkpoint_command() -> None:
    """Sign the audit log's head now with the office key (e.g. nightly from cron)."""
    from flask import current_app

    from .audit.appends import write_checkpoint
    from .issuance.keys import key_source

    try:
        key = key_source(current_app.config, current_app.instance_path)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    checkpoint = write_checkpoint(db.session, key)
    db.session.commit()
    if checkpoint is None:
        click.echo("the newest checkpoint already covers the last row")
    else:
        click.echo(f"checkpoint #{checkpoint.seq} signed at row {checkpoint.event_id}")


@signing_cli.command("init-pki")
def init_pki_command() -> None:
    """Create the development PKI (root CA, issuing CA, office key, TSA key, CRLs) once."""
    from pathlib import Path

    from flask import current_app

    from .issuance.keys import init_dev_pki

    directory, passphrase = init_dev_pki(current_app.config, current_app.instance_path)
    if passphrase is None:
        click.echo(f"development PKI already in {directory}")
        return
    config_file = Path(current_app.instance_path) / "config.py"
    with config_file.open("a", encoding="utf-8") as out:
        out.write("\n# Passphrase of the development PKI's keys (flask signing init-pki).\n"
                  f"DEV_PKI_PASSPHRASE = {passphrase!r}\n")
    current_app.config["DEV_PKI_PASSPHRASE"] = passphrase
    click.echo(f"development PKI created in {directory}; passphrase stored in {config_file}")


@signing_cli.command("renew")
@click.option("--before", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Renew copies whose protection ends before this date (default: "
                   "ARCHIVE_RENEW_MARGIN_DAYS from today).")
def renew_command(before: datetime | None) -> None:
    """Add validation data and a new archive timestamp to every stored copy that needs it.

    Resumes an interrupted pass; run it from cron (e.g. monthly)."""
    import time

    from flask import current_app

    from signing import ArchiveRenewer, SigningLibraryError

    from .documents.blobs import blob_store
    from .issuance.renewal import (
        RenewalProgress,
        default_horizon,
        renew_archive_timestamps,
        renewal_settings,
    )
    from .models_common import utcnow

    config = current_app.config
    horizon = (before.replace(tzinfo=UTC) if before is not None
               else default_horizon(config, utcnow()))
    started = time.monotonic()

    def report(step: RenewalProgress) -> None:
        rate = step.done / max(time.monotonic() - started, 1e-6)
        state = f"FAILED: {step.error}" if step.error else step.reason
        click.echo(f"{step.done}/{step.total} copy #{step.copy_id} {state} "
                   f"({rate:.1f} copies/s)")

    try:
        renewer = ArchiveRenewer(renewal_settings(config, current_app.instance_path))
    except SigningLibraryError as error:
        raise click.ClickException(str(error)) from error
    with renewer:
        outcome = renew_archive_timestamps(db.session, blob_store(config), renewer,
                                           horizon=horizon, actor=CLI_ACTOR, progress=report)
    if outcome.resumed:
        click.echo(f"resumed pass #{outcome.run_id}: {outcome.already_done} copies were "
                   "renewed before it stopped")
    click.echo(f"pass #{outcome.run_id} (protection ending before "
               f"{outcome.horizon.date().isoformat()}): {outcome.checked} stored copies "
               f"checked, {outcome.renewed} renewed now, {outcome.total} due in the pass, "
               f"{len(outcome.failures)} failed")
    for copy_id, reason in outcome.failures:
        click.echo(f"copy #{copy_id}: {reason}", err=True)
    if outcome.failures:
        raise SystemExit(1)


@issuance_cli.command("run")
@click.option("--pool", is_flag=True, help="Use the signing pool, as the worker does.")
def issuance_run_command(pool: bool) -> None:
    """Make every pending issuance unit now, then stop."""
    from flask import current_app

    from .issuance.dispatcher import drain, open_pool
    from .issuance.runner import run_units_inline, worker_name

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if pool:
        with open_pool(app) as workers:
            click.echo(f"{drain(app, workers, worker_name())} units processed")
        return
    click.echo(f"{run_units_inline(app)} units processed")


@issuance_cli.command("worker")
@click.option("--poll", type=float, default=None,
              help="Seconds between looks for work (ISSUANCE_POLL_SECONDS).")
def issuance_worker_command(poll: float | None) -> None:
    """Run the deployment's one issuance dispatcher until SIGTERM or Ctrl-C."""
    import signal
    import threading

    from flask import current_app

    from .issuance.dispatcher import Dispatcher
    from .issuance.runner import dispatch_mode

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mode = dispatch_mode(app.config)
    if mode != "worker":
        raise click.ClickException(
            f"Issuance here is dispatched by {mode!r}, not this worker: with a broker run "
            "`celery -A meetingsvc.jobs worker -B`; set ISSUANCE_DISPATCH = 'worker' otherwise.")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    dispatcher = Dispatcher(app, poll)
    click.echo(f"issuance worker: looking for work every {dispatcher.poll_seconds:g} s",
               err=True)
    dispatcher.run(stop)
    click.echo(f"issuance worker stopped after {dispatcher.units_done} units", err=True)
