"""Schemas of the issuance, copies and receipts resources (they also make the OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..tracking.models import ReminderReason
from .schemas import Pagination


def _fingerprint(description: str) -> fields.String:
    """A confirmation's fingerprint, as the plan or the preview gave it."""
    return fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": description})


def _time(description: str | None = None) -> fields.AwareDateTime:
    metadata = {"description": description} if description else {}
    return fields.AwareDateTime(required=True, allow_none=True, metadata=metadata)


# --- issuance ---------------------------------------------------------------------


class IssuancePlanOut(Schema):
    """What issuing now would make, counted by the planner that then issues it."""

    delegates = fields.Integer(required=True)
    documents = fields.Integer(required=True)
    item_copies = fields.Integer(required=True, metadata={"description": "Numbered copies."})
    paper_copies = fields.Integer(required=True, metadata={"description": "Paper copies to print."})
    packets = fields.Integer(required=True)
    plan = fields.String(required=True, metadata={
        "description": "The plan's fingerprint: send it back to issue exactly this plan."})


class IssueIn(Schema):
    plan = _fingerprint("The fingerprint of the plan you confirm (GET …/issuance/plan).")


class JobOut(Schema):
    """An issuance job and its counts, as the job's page shows them."""

    id = fields.Integer(required=True)
    meeting_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={
        "description": "running, completed or completed_with_failures."})
    status_label_vi = fields.String(required=True, metadata={
        "description": "The state's name, as the job's page shows it."})
    status_label_en = fields.String(required=True)
    rebuild = fields.Boolean(required=True, metadata={
        "description": "The job rebuilds packets without a recalled document."})
    created_at = _time()
    finished_at = _time()
    total = fields.Integer(required=True, metadata={"description": "Copies of the job."})
    signed = fields.Integer(required=True, metadata={"description": "Signed or delivered."})
    failed = fields.Integer(required=True)
    percent = fields.Integer(required=True)
    delegates_total = fields.Integer(required=True)
    delegates_done = fields.Integer(required=True)
    stalled = fields.Boolean(required=True, metadata={
        "description": "Running, and no signing worker has held, failed or finished one of "
                       "its units for a minute: the issuance worker (or Celery) is likely "
                       "not running."})


class JobList(Schema):
    items = fields.List(fields.Nested(JobOut), required=True, metadata={
        "description": "Newest first."})


class FailedCopyOut(Schema):
    symbol = fields.String(required=True, allow_none=True, metadata={
        "description": "The document's symbol; null for the delegate's packet."})
    reason = fields.String(required=True)


class FailureOut(Schema):
    """A delegate whose unit failed for good (it waits for a retry)."""

    unit_id = fields.Integer(required=True)
    delegate = fields.String(required=True)
    reason = fields.String(required=True, metadata={
        "description": "The unit's own error, when no copy says why."})
    copies = fields.List(fields.Nested(FailedCopyOut), required=True)


class FailureList(Schema):
    job_id = fields.Integer(required=True)
    items = fields.List(fields.Nested(FailureOut), required=True, metadata={
        "description": "At most 200 delegates, in the order they were planned."})


class RetryOut(Schema):
    queued = fields.Integer(required=True, metadata={
        "description": "Delegates queued again; 0 when none waited for a retry."})
    job = fields.Nested(JobOut, required=True)


class RecallPreviewOut(Schema):
    """What recalling the document would withdraw now; nothing is written."""

    copies = fields.Integer(required=True)
    delegates = fields.Integer(required=True)
    paper_out = fields.Integer(required=True, metadata={
        "description": "Paper copies handed over and not returned: to collect by hand."})
    packets = fields.Integer(required=True)
    preview = fields.String(required=True, metadata={
        "description": "The preview's fingerprint: send it back to recall exactly this."})


class RecallIn(Schema):
    preview = _fingerprint("The fingerprint of the preview you confirm (GET …/recall).")


class RecallOut(Schema):
    copies = fields.Integer(required=True)
    packets_withdrawn = fields.Integer(required=True)
    rebuild_job_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The job rebuilding the withdrawn packets without the document."})


# --- copies -----------------------------------------------------------------------


class DocumentRef(Schema):
    id = fields.Integer(required=True)
    symbol = fields.String(required=True)
    title = fields.String(required=True)
    confidentiality = fields.String(required=True, metadata={
        "description": "none, mat, toi_mat or tuyet_mat."})


class DelegateRef(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)


class IssuedCopyOut(Schema):
    """One issued copy, as the secretariat sees it."""

    id = fields.Integer(required=True)
    job_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "item or packet."})
    document = fields.Nested(DocumentRef, required=True, allow_none=True)
    version = fields.Integer(required=True, allow_none=True)
    delegate = fields.Nested(DelegateRef, required=True)
    copy_number = fields.Integer(required=True)
    copy_total = fields.Integer(required=True)
    label = fields.String(required=True, metadata={"description": "\"Bản số 07/55\"."})
    channel = fields.String(required=True, metadata={
        "description": "download, view_only or print."})
    status = fields.String(required=True, metadata={
        "description": "pending, signed, delivered or failed."})
    signed_at = _time()
    delivered_at = _time()
    superseded_at = _time()
    recalled_at = _time()
    handed_over_at = _time()
    returned_at = _time()


class IssuedCopyPage(Schema):
    items = fields.List(fields.Nested(IssuedCopyOut), required=True)
    pagination = fields.Nested(Pagination, required=True)


class CopyLinks(Schema):
    """Paths of the web portal's pages (sign in there); present only where the portal
    offers them."""

    view = fields.String(required=True, allow_none=True, metadata={
        "description": "The viewer page (unmarked and MẬT copies)."})
    download = fields.String(required=True, allow_none=True, metadata={
        "description": "The signed PDF (unmarked copies only)."})


class ElectronicCopy(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    version = fields.Integer(required=True)
    channel = fields.String(required=True, metadata={"description": "download or view_only."})
    state = fields.String(required=True, metadata={
        "description": "new, opened, acknowledged, superseded or recalled."})
    revised = fields.Boolean(required=True, metadata={
        "description": "You received a newer version of the document than your first."})
    opened_at = _time()
    acknowledged_at = _time()
    recalled_at = _time()
    superseded_at = _time()


class PaperCopy(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    handed_over_at = _time()
    returned_at = _time()
    recalled_at = _time()


class MyCopy(Schema):
    """One document as you hold it, decided as the portal's meeting page decides it."""

    document = fields.Nested(DocumentRef, required=True)
    holding = fields.String(required=True, metadata={
        "description": "read, recalled, superseded, paper_waiting, paper_handed, "
                       "paper_returned or paper_recalled."})
    copy = fields.Nested(ElectronicCopy, required=True, allow_none=True)
    paper = fields.Nested(PaperCopy, required=True, allow_none=True)
    links = fields.Nested(CopyLinks, required=True)


class PacketLinks(Schema):
    pdf = fields.String(required=True, allow_none=True)
    zip = fields.String(required=True, allow_none=True)


class MyPacket(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    acknowledged_at = _time()
    links = fields.Nested(PacketLinks, required=True)


class MyCopies(Schema):
    meeting_id = fields.Integer(required=True)
    copies = fields.List(fields.Nested(MyCopy), required=True, metadata={
        "description": "What you hold now, in agenda order."})
    withdrawn = fields.List(fields.Nested(MyCopy), required=True, metadata={
        "description": "Recalled or replaced: no longer readable, so without links."})
    packet = fields.Nested(MyPacket, required=True, allow_none=True)


# --- receipts ---------------------------------------------------------------------


class ReceiptArgs(Schema):
    missing = fields.String(validate=validate.OneOf([r.value for r in ReminderReason]),
                            metadata={"description": "Only delegates who have not opened "
                                                     "(or acknowledged) a copy."})
    document_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={
        "description": "With missing: only that document counts."})


class ReceiptCell(Schema):
    """One delegate's current copy of one document, and how far it got."""

    document_id = fields.Integer(required=True)
    copy_id = fields.Integer(required=True)
    channel = fields.String(required=True)
    stage = fields.String(required=True, metadata={
        "description": "pending, delivered, downloaded, opened, acknowledged, paper_pending, "
                       "paper, paper_returned or recalled: the dashboard's codes."})
    delivered_at = _time()
    downloaded_at = _time()
    opened_at = _time()
    acknowledged_at = _time()
    recalled_at = _time()
    returned_at = _time()
    pages_viewed = fields.Integer(required=True)
    page_count = fields.Integer(required=True)


class ReceiptCounts(Schema):
    entitled = fields.Integer(required=True, metadata={
        "description": "Electronic copies delivered and not recalled."})
    opened = fields.Integer(required=True)
    acknowledged = fields.Integer(required=True)


class ReceiptRow(ReceiptCounts):
    delegate_id = fields.Integer(required=True)
    name = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "The delegate's position."})
    guest = fields.Boolean(required=True)
    last_reminded_at = _time()
    pages_viewed = fields.Integer(required=True)
    cells = fields.List(fields.Nested(ReceiptCell), required=True, metadata={
        "description": "Only the documents issued to the delegate."})


class ReceiptColumn(ReceiptCounts):
    document = fields.Nested(DocumentRef, required=True)


class ReceiptTotals(Schema):
    entitled = fields.Integer(required=True)
    opened = fields.Integer(required=True)
    acknowledged = fields.Integer(required=True)
    paper = fields.Integer(required=True)
    handed_over = fields.Integer(required=True)
    returned = fields.Integer(required=True)
    recalled = fields.Integer(required=True)
    delegates = fields.Integer(required=True)
    delegates_done = fields.Integer(required=True)


class ReceiptMatrix(Schema):
    meeting_id = fields.Integer(required=True)
    columns = fields.List(fields.Nested(ReceiptColumn), required=True)
    rows = fields.List(fields.Nested(ReceiptRow), required=True, metadata={
        "description": "Delegates in protocol order (those the filter keeps)."})
    totals = fields.Nested(ReceiptTotals, required=True, metadata={
        "description": "Over every delegate, whatever the filter."})


class DeliveryEventOut(Schema):
    kind = fields.String(required=True, metadata={
        "description": "delivered, downloaded, opened, page_viewed or acknowledged."})
    at = fields.AwareDateTime(required=True)
    copy_id = fields.Integer(required=True)
    label = fields.String(required=True)
    symbol = fields.String(required=True, allow_none=True, metadata={
        "description": "null for the packet."})
    page = fields.Integer(required=True, allow_none=True)


class DelegateReceipts(Schema):
    meeting_id = fields.Integer(required=True)
    row = fields.Nested(ReceiptRow, required=True)
    events = fields.List(fields.Nested(DeliveryEventOut), required=True, metadata={
        "description": "Newest first, at most 2,000."})
