"""Every form answers in the interface's language, WTForms' own messages included.

WTForms and Flask-WTF ship no Vietnamese: "This field is required." would reach a
Vietnamese page unless our catalogue carries those messages and forms read them
from it. Each of the application's form classes is sent empty and then with
careless values; then every form each role can reach is posted empty, as a
hurried user would.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    EmailField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TimeField,
)

import meetingsvc
from meetingsvc.forms_common import LIBRARY_MESSAGES, LIBRARY_PLURAL_MESSAGES

CATALOGUE = meetingsvc.__path__[0] + "/translations/vi/LC_MESSAGES/messages.po"


def _english_pattern(message: str) -> re.Pattern[str]:
    """The message as it reads once filled in: "Field cannot be longer than 80 characters."."""
    pattern = re.escape(message)
    pattern = re.sub(r"%\\\(\w+\\\)[sd]|%s|\\\{\w+\\\}", ".{1,80}?", pattern)
    return re.compile(pattern)


ENGLISH = [_english_pattern(m) for m in LIBRARY_MESSAGES] + [
    _english_pattern(m) for pair in LIBRARY_PLURAL_MESSAGES for m in pair]
REQUIRED_VI = "Mục này không được để trống."


def english_in(text: str) -> list[str]:
    return [match.group(0) for pattern in ENGLISH for match in [pattern.search(text)] if match]


def app_form_classes() -> list[type[FlaskForm]]:
    """Every Flask-WTF form the application defines (in forms and views modules)."""
    for info in pkgutil.walk_packages(meetingsvc.__path__, "meetingsvc."):
        last = info.name.rsplit(".", 1)[-1]
        if last in ("forms", "views") or last.endswith(("_forms", "_views")):
            importlib.import_module(info.name)
    found: list[type[FlaskForm]] = []
    stack = list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("meetingsvc.") and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _careless_value(field: Any) -> str | None:
    """What a hurried user might send in this field: too long, not a number, no such choice."""
    if isinstance(field, (FileField, BooleanField, SubmitField)):
        return None
    if isinstance(field, (IntegerField, DecimalField, FloatField)):
        return "mười hai"
    if isinstance(field, (DateField, DateTimeField, TimeField)):
        return "31/02/2026 25:61"
    if isinstance(field, (SelectField, RadioField, SelectMultipleField)):
        return "khong-co-lua-chon-nay"
    if isinstance(field, EmailField):
        return "khong-phai-dia-chi"
    return "x" * 20_000


def _errors(form: FlaskForm) -> Iterator[str]:
    def walk(errors: Any) -> Iterator[str]:
        if isinstance(errors, dict):
            for value in errors.values():
                yield from walk(value)
        elif isinstance(errors, (list, tuple)):
            for value in errors:
                yield from walk(value)
        else:
            yield str(errors)
    yield from walk(form.errors)


def _validate(app: Flask, cls: type[FlaskForm], data: dict[str, str] | None,
              lang: str = "vi") -> list[str]:
    """The form's messages for ``data`` posted in a request in ``lang``."""
    with app.test_request_context("/", method="POST"):
        from flask import session

        session["lang"] = lang
        app.preprocess_request()
        try:
            form = cls(formdata=MultiDict())
        except TypeError:  # needs arguments of its view: give it none of them
            pytest.fail(f"{cls.__qualname__} cannot be built without arguments")
        if data is None:
            data = {field.name: value for field in form
                    if (value := _careless_value(field)) is not None}
        form.process(formdata=MultiDict(data))
        for field in form:
            if isinstance(field, (SelectField, RadioField, SelectMultipleField)) and \
                    field.choices is None:
                field.choices = []  # the view fills them in
        form.validate()
        return list(_errors(form))


def test_the_catalogue_translates_every_library_message() -> None:
    with open(CATALOGUE, "rb") as handle:
        catalogue = read_po(handle, locale="vi")
    for message in LIBRARY_MESSAGES:
        assert catalogue.get(message) is not None, message
        assert catalogue[message].string, message
    for singular, plural in LIBRARY_PLURAL_MESSAGES:
        entry = catalogue.get(singular)
        assert entry is not None and entry.id == (singular, plural), singular
        assert all(entry.string), singular


def test_empty_and_careless_forms_answer_in_vietnamese(app: Flask) -> None:
    classes = app_form_classes()
    assert len(classes) >= 10, classes  # the discovery found the application's forms
    seen_required = False
    for cls in classes:
        for data in ({}, None):
            messages = _validate(app, cls, data)
            assert english_in(" ".join(messages)) == [], (cls.__qualname__, data, messages)
            for message in messages:
                # Vietnamese has letters outside ASCII in almost every sentence.
                assert re.search(r"[^\x00-\x7f]", message), (cls.__qualname__, message)
            seen_required |= REQUIRED_VI in messages
    assert seen_required


def test_english_is_english_when_chosen(app: Flask) -> None:
    from meetingsvc.accounts.forms import SignInForm

    assert "This field is required." in _validate(app, SignInForm, {}, lang="en")
    assert REQUIRED_VI in _validate(app, SignInForm, {}, lang="vi")


def test_a_form_without_its_token_is_refused_in_vietnamese(app: Flask,
                                                            client: FlaskClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    answer = client.post("/sign-in", data={"username": "thuky", "password": "x"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc được gửi từ nơi khác" in page
    assert "CSRF" not in page and english_in(page) == []


# --- every form each role reaches, posted empty -------------------------------------------

_SKIP = re.compile(r"/static/|/lang/|sign-out|\.(pdf|zip|csv|xlsx|png|json)\b|/download|"
                   r"/export|/file\b|/v/|/pages/|/tsa")
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_VISIBLE = re.compile(r"<(select|textarea)\b|<input\b(?![^>]*type=\"(hidden|submit|button)\")",
                      re.I)


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else None


def _shape(url: str) -> str:
    """/admin/accounts/17 and /admin/accounts/18 are the same page for another object."""
    return re.sub(r"\d+", "N", url)


def _reachable_forms(client: FlaskClient, limit: int = 80) -> tuple[set[str], set[str]]:
    """(pages, actions of POST forms with fields to fill) reachable from the start page:
    every kind of page once, whatever object it shows."""
    pages: set[str] = set()
    actions: dict[str, str] = {}
    queue = ["/"]
    while queue and len(pages) < limit:
        url = queue.pop(0)
        if url in pages or _shape(url) in {_shape(p) for p in pages}:
            continue
        pages.add(url)
        answer = client.get(url, follow_redirects=True)
        assert answer.status_code < 500, url
        if "text/html" not in answer.content_type:
            continue
        text = answer.get_data(as_text=True)
        for href in re.findall(r'href="(/[^"#]*)', text):
            href = html.unescape(href)
            if not href.startswith("//") and not _SKIP.search(href) and href not in pages:
                queue.append(href)
        for attributes, body in _FORM.findall(text):
            if (_attribute(attributes, "method") or "get").lower() == "post" and \
                    _VISIBLE.search(body):
                action = _attribute(attributes, "action") or url
                actions.setdefault(_shape(action), action)
    return pages, set(actions.values())


@pytest.fixture
def demo_office(app, session) -> None:
    from meetingsvc.demo.seed import seed_demo

    seed_demo(session, app.config)
    session.commit()


@pytest.mark.parametrize("role", ["delegate", "secretariat", "auditor", "admin"])
def test_every_reachable_form_posted_empty_answers_in_vietnamese(app, demo_office, role):
    from meetingsvc.demo.seed import DEMO_PASSWORDS

    client = app.test_client()
    username, password = DEMO_PASSWORDS[role]
    signed_in = client.post("/sign-in", data={"username": username, "password": password})
    assert signed_in.status_code == 302
    pages, actions = _reachable_forms(client)
    assert len(pages) > 1
    for action in sorted(actions):
        answer = client.post(action, data={}, follow_redirects=True)
        page = answer.get_data(as_text=True)
        assert answer.status_code < 500, action
        assert english_in(page) == [], (action, english_in(page))
