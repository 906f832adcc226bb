"""The audit log reads as sentences of the office: every action has a name, details are
labelled values, people are named."""

from __future__ import annotations

import ast
from pathlib import Path

from meetingsvc.audit.log_labels import ACTION_LABELS
from meetingsvc.audit.services import Actor, record
from meetingsvc.tracking.models import EventKind

PACKAGE = Path(__file__).resolve().parents[2] / "meetingsvc"
#: Action codes built at run time: the f-string's source, and the codes it makes.
BUILT = {"f'copy.{kind.value}'": {f"copy.{kind.value}" for kind in EventKind}}


def recorded_actions() -> dict[str, str]:
    """Every action code passed to ``record`` (or a module's own ``_record`` helper)
    anywhere in meetingsvc, with where it is."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in ("record", "_record") or len(node.args) < 2:
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
            action = node.args[1]
            if isinstance(action, ast.JoinedStr):
                source = ast.unparse(action)
                assert source in BUILT, f"{where}: an action code built as {source}: list " \
                                        "the codes it makes in BUILT"
                found.update(dict.fromkeys(BUILT[source], where))
                continue
            for part in ast.walk(action):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found[part.value] = where
    return found


def test_every_recorded_action_has_a_label():
    actions = recorded_actions()
    assert len(actions) > 40, "the scan found too few record() calls to be right"
    assert {"auth.signed_in", "copy.acknowledged", "audit.report_downloaded"} <= set(actions)
    missing = {code: where for code, where in actions.items() if code not in ACTION_LABELS}
    assert missing == {}, f"add a label to audit/log_labels.py for {missing}"


def test_the_log_shows_names_labelled_details_and_full_names(
        session, client, sign_in, auditor, make_user):
    delegate = make_user(username="lqminh", full_name="Lê Quang Minh")
    clerk = make_user(username="ntlan", full_name="Nguyễn Thị Lan")
    record(session, "copy.downloaded", Actor(delegate.id, "lqminh", "10.0.0.5"),
           object_type="issued_copy", object_id=7)
    record(session, "document.recalled", Actor(clerk.id, "ntlan"),
           details={"symbol": "15-NQ/TU", "user": "lqminh", "copies": 3})
    record(session, "account.updated", Actor(clerk.id, "ntlan"), object_type="user",
           object_id=delegate.id, details={"changes": {"title": {"from": "", "to": "Bí thư"}},
                                           "mystery_key": "kept"})
    session.commit()
    sign_in(auditor)
    page = client.get("/audit/log").get_data(as_text=True)
    assert "Tải bản tài liệu" in page and "Thu hồi tài liệu" in page and "(UTC+7)" in page
    assert "Sửa thông tin tài khoản" in page
    # The actor by full name with the username beside it, and the person a row is about.
    assert 'Lê Quang Minh <span class="username">lqminh</span>' in page
    assert 'Nguyễn Thị Lan <span class="username">ntlan</span>' in page
    assert "<dt>Người liên quan</dt><dd>Lê Quang Minh (lqminh)</dd>" in page
    # Details as labelled values, not JSON; an unknown key is still shown.
    assert "<dt>Số, ký hiệu văn bản</dt><dd>15-NQ/TU</dd>" in page
    assert "<dt>Số bản</dt><dd>3</dd>" in page
    assert "Tiêu đề: — → Bí thư" in page
    assert "<dt>mystery_key</dt><dd>kept</dd>" in page
    assert '{"' not in page and "&#34;" not in page
    # The action filter offers the names too.
    assert '<option value="copy.downloaded">Tải bản tài liệu</option>' in page
    client.get("/lang/en")
    english = client.get("/audit/log").get_data(as_text=True)
    assert "Copy downloaded" in english and "<dt>Person</dt>" in english
