"""Signing throughput: our signing service against pyHanko used the obvious way.

Run from the repository root::

    .venv/bin/python bench/sign_throughput.py            # about 2 minutes
    .venv/bin/python bench/sign_throughput.py --quick    # about 30 seconds

In one process it builds a development PKI, a 20-page A4 document and a local
RFC 3161 TSA (an HTTP server thread on 127.0.0.1), then measures, for PAdES
B-B and for B-T:

* baseline — pyHanko as its documentation shows it: ``SimpleSigner.load_pkcs12``
  and ``signers.sign_pdf`` per document (invisible signature, no metadata; for
  B-T a new ``HTTPTimeStamper`` per document);
* service, 1 core — :class:`signing.pool.SigningService` with one worker process,
  producing the full issued-copy signature: visible stamp with QR code, copy
  metadata, certification (DocMDP), reserved signature size;
* service, all cores — the same with one worker per core;
* raw — SHA-256 of the document plus one RSA-2048 signature, the floor.

The last line is ``speedup_1core=<x> speedup_all=<y> sigs_per_s_all=<z>`` for B-B.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, utils  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.fields import SigSeedSubFilter  # noqa: E402
from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: E402

from signing.keys import Pkcs12KeySource  # noqa: E402
from signing.pki import DevPki, create_dev_pki  # noqa: E402
from signing.pool import SigningService, SignJob, default_processes  # noqa: E402
from signing.report import Indication  # noqa: E402
from signing.samples import make_sample_pdf  # noqa: E402
from signing.settings import PadesProfile, SignerSettings, SignRequest, TrustSettings  # noqa: E402
from signing.tsa import LocalTsaServer, TimestampAuthority  # noqa: E402
from signing.verify import verify_pdf  # noqa: E402

PASSPHRASE = b"benchmark passphrase"


def rate(count: int, seconds: float) -> float:
    """Signatures per second."""
    return count / seconds if seconds > 0 else float("inf")


def time_loop(func: Callable[[], object], count: int) -> float:
    """Seconds for ``count`` calls of ``func``."""
    started = time.perf_counter()
    for _ in range(count):
        func()
    return time.perf_counter() - started


def raw_rate(pki: DevPki, document: bytes, seconds: float) -> float:
    """SHA-256 over the document and an RSA-2048 PKCS#1 v1.5 signature, per second."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        digest = hashlib.sha256(document).digest()
        pki.office_key.sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        count += 1
    return rate(count, time.perf_counter() - started)


def baseline_rate(pki: DevPki, document: bytes, count: int, tsa_url: str | None) -> float:
    """pyHanko used per document as its documentation shows."""
    def sign_once() -> bytes:
        signer = signers.SimpleSigner.load_pkcs12(str(pki.office_p12_path),
                                                  passphrase=PASSPHRASE)
        writer = IncrementalPdfFileWriter(BytesIO(document))
        meta = signers.PdfSignatureMetadata(field_name="Signature1",
                                            subfilter=SigSeedSubFilter.PADES)
        timestamper = HTTPTimeStamper(tsa_url) if tsa_url else None
        return signers.sign_pdf(writer, meta, signer=signer,  # type: ignore[no-any-return]
                                timestamper=timestamper).getvalue()
    sign_once()  # warm caches and imports
    return rate(count, time_loop(sign_once, count))


def service_rate(settings: SignerSettings, jobs: list[SignJob], processes: int,
                 trust: TrustSettings) -> float:
    """Our service with ``processes`` workers; checks that one output verifies."""
    with SigningService(settings, processes=processes) as service:
        warm = service.sign_batch(jobs[: 8 * processes])  # a first chunk in every worker
        started = time.perf_counter()
        results = service.sign_batch(jobs)
        elapsed = time.perf_counter() - started
    failures = [r.error for r in results if not r.ok]
    if failures:
        raise SystemExit(f"signing failed: {failures[:3]}")
    report = verify_pdf(warm[0].value or b"", trust)
    if report.indication is not Indication.TOTAL_PASSED:
        raise SystemExit(f"our output does not verify: {report.to_json()}")
    return rate(len(results), elapsed)


def run_profile(profile: PadesProfile, pki: DevPki, document: bytes, tsa_url: str,
                sizes: tuple[int, int], trust: TrustSettings) -> dict[str, float]:
    """All measurements for one profile."""
    base_n, ours_n = sizes
    settings = SignerSettings(key_source=Pkcs12KeySource(pki.office_p12_path, PASSPHRASE),
                              profile=profile, tsa_url=tsa_url)
    jobs = [SignJob(document, SignRequest(qr_url=f"http://127.0.0.1:5000/v/{i:06d}",
                                          metadata={"copy_id": f"C-{i:06d}"}))
            for i in range(ours_n)]
    cores = default_processes()
    figures = {
        "baseline": baseline_rate(pki, document, base_n,
                                  tsa_url if profile.needs_timestamp else None),
        "one_core": service_rate(settings, jobs, 1, trust),
        "all_cores": service_rate(settings, jobs, cores, trust),
    }
    print(f"\n{profile.value} ({cores} cores, {len(document) // 1024} KiB input, "
          f"{base_n} baseline and {ours_n} service signatures)")
    for name, label in (("baseline", "pyHanko obvious use"), ("one_core", "service, 1 core"),
                        ("all_cores", f"service, {cores} cores")):
        print(f"  {label:<22} {figures[name]:8.1f} sigs/s  {1000 / figures[name]:7.1f} ms/sig")
    print(f"  speedup 1 core vs baseline: {figures['one_core'] / figures['baseline']:.2f}x; "
          f"all cores vs 1 core: {figures['all_cores'] / figures['one_core']:.2f}x; "
          f"all cores vs baseline: {figures['all_cores'] / figures['baseline']:.2f}x")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (fewer signatures)")
    args = parser.parse_args()
    sizes = (8, 60) if args.quick else (40, 800)
    document = make_sample_pdf(20)
    with tempfile.TemporaryDirectory() as tmp:
        pki = create_dev_pki(Path(tmp), office_name="Văn phòng Tỉnh ủy", passphrase=PASSPHRASE)
        trust = TrustSettings.from_files(Path(tmp) / "root-ca.crt")
        raw = raw_rate(pki, document, 1.0 if args.quick else 3.0)
        print(f"raw SHA-256 + RSA-2048 sign: {raw:.0f} sigs/s ({1000 / raw:.2f} ms/sig)")
        authority = TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)
        with LocalTsaServer(authority) as tsa:
            b_t = run_profile(PadesProfile.B_T, pki, document, tsa.url, sizes, trust)
            b_b = run_profile(PadesProfile.B_B, pki, document, tsa.url, sizes, trust)
    for name, figures in (("B-T", b_t), ("B-B", b_b)):
        print(f"{name}: service on all cores is {raw / figures['all_cores']:.0f}x slower than "
              f"the raw limit (target: within 50x)")
    print("main profile for the line below: B-B (visible stamp, metadata, certification)")
    print(f"speedup_1core={b_b['one_core'] / b_b['baseline']:.2f} "
          f"speedup_all={b_b['all_cores'] / b_b['baseline']:.2f} "
          f"sigs_per_s_all={b_b['all_cores']:.1f}")


if __name__ == "__main__":
    main()
