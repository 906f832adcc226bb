"""Pressing a button that asks for confirmation: open its confirmation page, then post
the form found there, as a browser without JavaScript does."""

from __future__ import annotations

import html
import re

HIDDEN = re.compile(r'<input type="hidden" name="([\w-]+)" value="([^"]*)">')


def confirmation_fields(page: str) -> dict[str, str]:
    """The hidden fields of the confirmation form (the CSRF token aside)."""
    fields = {name: html.unescape(value) for name, value in HIDDEN.findall(page)}
    fields.pop("csrf_token", None)
    return fields


def confirmed_post(client, url: str, **options):
    """GET the confirmation page at ``url``, then POST its form back to ``url``."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, data=confirmation_fields(page.get_data(as_text=True)), **options)
