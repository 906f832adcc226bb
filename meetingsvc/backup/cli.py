"""``flask --app meetingsvc backup create|verify|restore DIR``: thin commands over the services.

Long steps print their counts on stderr; a refusal or a problem is printed in Vietnamese
then English and the command exits with status 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from flask import current_app
from flask.cli import AppGroup

from ..audit.services import Actor
from ..extensions import db
from .manifest import BackupError, Manifest
from .services import (
    Progress,
    create_backup,
    places_of,
    record_backup,
    record_restore,
    restore_backup,
    verify_backup,
)

T = TypeVar("T")

backup_cli = AppGroup("backup", help="Backups: make, check and restore the database, the "
                                     "stored files, the PKI and the audit checkpoints.")

#: Changes made from the command line are recorded as the operator's.
CLI_ACTOR = Actor(username="cli")

_STEPS = {"database": "cơ sở dữ liệu / database", "blobs": "tệp lưu trữ / stored files",
          "pki": "PKI", "verify": "kiểm tra tệp / checking files"}
_DIRECTORY = click.Path(file_okay=False, path_type=Path)


def _progress() -> Progress:
    """Counts on stderr: the first and last file of each step, and every 5 % between."""
    def report(step: str, done: int, total: int) -> None:
        if done in (0, total) or done % max(1, total // 20) == 0:
            click.echo(f"{_STEPS.get(step, step)}: {done}/{total}", err=True)
    return report


def _or_refused(call: Callable[[], T]) -> T:
    """The service's answer, or its refusal (both languages) as the command's error."""
    try:
        return call()
    except BackupError as error:
        raise click.ClickException(str(error)) from None


def _described(manifest: Manifest) -> str:
    audit = manifest.audit
    return (f"{len(manifest.files)} tệp / files, {manifest.size / 1e6:.1f} MB: "
            f"{manifest.count('blobs')} tệp lưu trữ / stored files, {manifest.count('pki')} "
            f"PKI, {audit.get('checkpoints')} điểm kiểm soát / checkpoints, {audit.get('rows')} "
            f"dòng nhật ký / audit rows; {manifest.database_kind} "
            f"{manifest.schema_revision or '(create_all)'}, {manifest.created_at}, "
            f"meetingsvc {manifest.app_version}")


@backup_cli.command("create")
@click.argument("directory", type=_DIRECTORY)
def create_command(directory: Path) -> None:
    """Back up into DIRECTORY (new or empty) while the service runs."""
    directory = directory.absolute()
    started = time.monotonic()
    places = places_of(current_app.config, current_app.instance_path)
    manifest = _or_refused(lambda: create_backup(directory, places, progress=_progress()))
    record_backup(db.session, directory, manifest, CLI_ACTOR)
    db.session.commit()
    click.echo(f"đã sao lưu / backed up into {directory} in {time.monotonic() - started:.1f} s: "
               f"{_described(manifest)}")


@backup_cli.command("verify")
@click.argument("directory", type=_DIRECTORY)
def verify_command(directory: Path) -> None:
    """Check every file's hash, that nothing is missing or extra, and the audit chain inside."""
    started = time.monotonic()
    report = _or_refused(lambda: verify_backup(
        directory, current_app.config, current_app.instance_path, progress=_progress()))
    for problem in report.problems:
        click.echo(problem, err=True)
    if not report.intact:
        raise click.ClickException(
            f"Bản sao lưu {directory} KHÔNG nguyên vẹn: {len(report.problems)} lỗi.\n"
            f"The backup {directory} is NOT intact: {len(report.problems)} problems.")
    click.echo(f"bản sao lưu nguyên vẹn / backup intact ({time.monotonic() - started:.1f} s): "
               f"{_described(report.manifest)}")


@backup_cli.command("restore")
@click.argument("directory", type=_DIRECTORY)
def restore_command(directory: Path) -> None:
    """Verify the backup in DIRECTORY, then restore it into this (empty) instance."""
    directory = directory.absolute()
    started = time.monotonic()
    places = places_of(current_app.config, current_app.instance_path)
    outcome = _or_refused(lambda: restore_backup(
        directory, places, current_app.config, db.engine, progress=_progress()))
    record_restore(db.session, directory, outcome.manifest, CLI_ACTOR)
    db.session.commit()
    click.echo(f"đã khôi phục / restored into {places.instance_path} in "
               f"{time.monotonic() - started:.1f} s: {_described(outcome.manifest)}")
    click.echo("Tiếp theo / next: flask --app meetingsvc init (migrates an older schema), "
               "then flask --app meetingsvc audit verify")
