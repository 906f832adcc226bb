"""Pinned time: the stamp, the CMS signing time, the TSA clock and validation time agree."""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import tsp
from freezegun import freeze_time
from signing_helpers import REQUEST, require_tool

from signing.pki import DevPki
from signing.report import Indication, SubIndication
from signing.settings import PadesProfile, SignerSettings, StampSettings, TrustSettings
from signing.signer import DocumentSigner
from signing.tsa import TimestampAuthority
from signing.verify import verify_pdf


def test_tsa_uses_its_injected_clock(pki: DevPki) -> None:
    pinned = dt.datetime(2026, 5, 19, 8, 30, 15, tzinfo=dt.UTC)
    authority = TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain, clock=lambda: pinned)
    request = tsp.TimeStampReq({
        "version": "v1", "cert_req": False,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                            "hashed_message": hashlib.sha256(b"x").digest()}}).dump()
    token = tsp.TimeStampResp.load(authority.respond(request))["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["gen_time"].native == pinned


def test_frozen_signing_time_shows_in_stamp_and_signature(
        pki: DevPki, make_settings: Callable[..., SignerSettings], sample_pdf: bytes,
        trust: TrustSettings, tmp_path: Path) -> None:
    pinned = (pki.office_cert.not_valid_before_utc + dt.timedelta(days=2)).replace(
        hour=3, minute=4, second=5, microsecond=0)
    # The stamp shows the time in the zone its caller gives (meetingsvc: OFFICE_TIMEZONE).
    tokyo = ZoneInfo("Asia/Tokyo")
    settings = make_settings(PadesProfile.B_B, stamp=StampSettings(timezone=tokyo))
    with freeze_time(pinned), DocumentSigner(settings) as signer:
        data = signer.sign(sample_pdf, REQUEST)
    path = tmp_path / "pinned.pdf"
    path.write_bytes(data)
    text = subprocess.run([require_tool("pdftotext"), "-f", "1", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    local = pinned.astimezone(tokyo)
    assert f"Thời gian: {local:%d/%m/%Y} 12:04:05 (GMT+09:00)" in text
    pinned_trust = TrustSettings(trust_roots=trust.trust_roots, moment=pinned)
    report = verify_pdf(data, pinned_trust)
    assert report.indication is Indication.TOTAL_PASSED, report.to_json()
    claimed = report.signatures[0].claimed_signing_time
    assert claimed is not None and dt.datetime.fromisoformat(claimed) == pinned


def test_expired_certificate_without_timestamp_is_indeterminate(
        signed: dict[PadesProfile, bytes], pki: DevPki, trust: TrustSettings) -> None:
    later = pki.office_cert.not_valid_after_utc + dt.timedelta(days=30)
    report = verify_pdf(signed[PadesProfile.B_B],
                        TrustSettings(trust_roots=trust.trust_roots, moment=later))
    assert report.indication is Indication.INDETERMINATE, report.to_json()
    assert report.sub_indication is SubIndication.EXPIRED
