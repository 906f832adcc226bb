"""``flask --app meetingsvc tokens …``: personal API keys from the command line."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..accounts.models import User
from ..audit.services import Actor
from ..errors import DomainError
from ..extensions import db
from .models import ApiToken
from .tokens import DEFAULT_DAYS, MAX_DAYS, create_token, revoke_token, tokens_of

tokens_cli = click.Group("tokens", help="Personal API keys (Bearer tokens).")

CLI_ACTOR = Actor(username="cli")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no account {username!r}")
    return user


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the key is for, e.g. the script's name.")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=DEFAULT_DAYS,
              show_default=True, help="Days until the key expires.")
def create_command(username: str, name: str, days: int) -> None:
    """Create a key for USERNAME and print it once (only its hash is kept)."""
    try:
        new = create_token(db.session, _user(username), name, CLI_ACTOR, days=days)
    except DomainError as error:
        raise click.ClickException(error.message % error.params) from None
    db.session.commit()
    click.echo(new.secret)
    click.echo(f"key #{new.token.id} {new.token.name!r} for {username}, expires "
               f"{new.token.expires_at:%Y-%m-%d %H:%M} UTC; it is not shown again", err=True)


@tokens_cli.command("list")
@click.argument("username")
def list_command(username: str) -> None:
    """List USERNAME's keys (prefix only)."""
    for token in tokens_of(db.session, _user(username)):
        state = ("revoked" if token.revoked_at else "active")
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{state}\t"
                   f"expires {token.expires_at:%Y-%m-%d}\tlast used {used}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_command(token_id: int) -> None:
    """Revoke key TOKEN_ID at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no key #{token_id}")
    changed = revoke_token(db.session, token, CLI_ACTOR)
    db.session.commit()
    click.echo(f"key #{token_id} revoked" if changed else f"key #{token_id} was already revoked")
