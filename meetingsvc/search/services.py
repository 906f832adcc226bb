"""Search across meetings, documents (symbol, title) and people (name, username, title).

Vietnamese is matched without its diacritics, the same on SQLite and PostgreSQL:
each candidate's text is folded in Python ("Hội nghị" → "hoi nghi", "Đảng" → "dang")
and every word of the query must occur in it. The candidates are a bounded set (an
office's meetings, their documents and its accounts: thousands, not millions), read
in a few columns per row; no schema or database extension is needed.

Search is staff's and auditors' work: they see every meeting. A delegate has no
search, so it can never reveal a title of a paper not issued to them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..accounts.models import Body, Role, User
from ..documents.models import Document
from ..meetings.models import Invitation, Meeting

#: Shortest query searched: one letter finds everything and tells nothing.
MIN_QUERY = 2
#: Results shown per kind; the page says when there were more.
LIMIT = 50
#: Rows of each kind read at most: a guard, far above an office's holdings.
SCAN_LIMIT = 50_000

_FOLD = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower case, without diacritics, spaces collapsed: what a query is matched against."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def query_words(query: str) -> list[str]:
    return fold(query).split()


def matches(words: list[str], *fields: str | None) -> bool:
    haystack = fold(" ".join(f for f in fields if f))
    return all(word in haystack for word in words)


@dataclass(frozen=True)
class MeetingHit:
    id: int
    title: str
    body: str
    session_number: int


@dataclass(frozen=True)
class DocumentHit:
    id: int
    meeting_id: int
    meeting_title: str
    symbol: str
    title: str
    confidentiality: str


@dataclass(frozen=True)
class PersonHit:
    id: int
    full_name: str
    username: str
    title: str | None
    role: str
    active: bool
    #: The meetings they are invited to, newest first: (id, title).
    meetings: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class SearchResults:
    query: str
    meetings: list[MeetingHit]
    documents: list[DocumentHit]
    people: list[PersonHit]
    #: Kinds with more hits than shown.
    truncated: frozenset[str]

    @property
    def total(self) -> int:
        return len(self.meetings) + len(self.documents) + len(self.people)


def search(session: Session, query: str) -> SearchResults:
    """Everything whose text holds every word of the query, diacritics aside."""
    words = query_words(query)
    truncated: set[str] = set()

    meetings: list[MeetingHit] = []
    for id_, title, number, body in session.execute(
            select(Meeting.id, Meeting.title, Meeting.session_number, Body.name_vi)
            .join(Body, Body.id == Meeting.body_id)
            .order_by(Meeting.starts_at.desc()).limit(SCAN_LIMIT)):
        if matches(words, title, body, f"lan thu {number}"):
            if len(meetings) == LIMIT:
                truncated.add("meetings")
                break
            meetings.append(MeetingHit(id_, title, body, number))

    documents: list[DocumentHit] = []
    for id_, meeting_id, meeting_title, symbol, title, kind, level in session.execute(
            select(Document.id, Document.meeting_id, Meeting.title, Document.symbol,
                   Document.title, Document.kind, Document.confidentiality)
            .join(Meeting, Meeting.id == Document.meeting_id)
            .order_by(Meeting.starts_at.desc(), Document.id).limit(SCAN_LIMIT)):
        if matches(words, symbol, title, kind):
            if len(documents) == LIMIT:
                truncated.add("documents")
                break
            documents.append(DocumentHit(id_, meeting_id, meeting_title, symbol, title, level))

    found: list[tuple[int, str, str, str | None, str, bool]] = []
    for row in session.execute(
            select(User.id, User.full_name, User.username, User.title, User.role, User.active)
            .order_by(User.full_name, User.id).limit(SCAN_LIMIT)):
        if matches(words, row.full_name, row.username, row.title):
            if len(found) == LIMIT:
                truncated.add("people")
                break
            found.append(tuple(row))  # type: ignore[arg-type]
    invited: dict[int, list[tuple[int, str]]] = {}
    delegates = [row[0] for row in found if row[4] == Role.DELEGATE.value]
    if delegates:
        for user_id, meeting_id, title in session.execute(
                select(Invitation.user_id, Meeting.id, Meeting.title)
                .join(Meeting, Meeting.id == Invitation.meeting_id)
                .where(Invitation.user_id.in_(delegates))
                .order_by(Meeting.starts_at.desc())):
            invited.setdefault(user_id, []).append((meeting_id, title))
    people = [PersonHit(id_, name, username, title, role, active,
                        tuple(invited.get(id_, [])[:5]))
              for id_, name, username, title, role, active in found]
    return SearchResults(query, meetings, documents, people, frozenset(truncated))
