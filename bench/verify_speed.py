"""Verifying one issued copy: ``signing.verify_pdf`` against pyHanko's documented validation.

Run from the repository root::

    .venv/bin/python bench/verify_speed.py             # 20-page copy, 20 rounds
    .venv/bin/python bench/verify_speed.py --rounds 50

In one process it makes a development PKI and a local TSA, issues a 20-page
copy the way the service does (B-T, visible stamp, copy metadata, certification
signature), and a B-LTA copy whose archive timestamp was renewed (a later
revision, so the pages are rendered and compared), then measures per file:

* service — ``verify_pdf(data, trust)`` as the audit pages call it (isolated in a
  child process under the time and memory bounds), and in-process
  (``isolate=False``);
* baseline — pyHanko as its documentation shows: ``PdfFileReader``, a
  ``ValidationContext`` with the trust root, ``validate_pdf_signature`` of the
  first signature (no report, no visual comparison, no bounds).

The last line is ``verify_ms=<x> verify_inprocess_ms=<y> pyhanko_ms=<z> ratio=<x/z>``.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asn1crypto import x509 as asn1_x509  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.signers import PdfTimeStamper  # noqa: E402
from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

from signing import (  # noqa: E402
    LocalTsaServer,
    PadesProfile,
    Pkcs12KeySource,
    SignerSettings,
    SignRequest,
    TimestampAuthority,
    TrustSettings,
    create_dev_pki,
    verify_pdf,
)
from signing.samples import make_sample_pdf  # noqa: E402
from signing.signer import DocumentSigner  # noqa: E402

PASSPHRASE = b"bench passphrase"
REQUEST = SignRequest(qr_url="http://127.0.0.1:5000/v/3f9a0c",
                      metadata={"copy_id": "C-0007", "symbol": "15-NQ/TU",
                                "copy_number": "07/55"})


def _ms(run: Callable[[], object], rounds: int) -> float:
    run()  # warm up (forkserver start, imports, font caches)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _pyhanko_documented(data: bytes, root: bytes) -> None:
    vc = ValidationContext(trust_roots=[asn1_x509.Certificate.load(root)])
    reader = PdfFileReader(BytesIO(data))
    status = validate_pdf_signature(reader.embedded_signatures[0], vc)
    assert status.intact and status.valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        pki = create_dev_pki(Path(tmp), office_name="Văn phòng Tỉnh ủy", passphrase=PASSPHRASE)
        root = pki.root_cert.public_bytes(Encoding.DER)
        with LocalTsaServer(TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)) as tsa:
            def settings(profile: PadesProfile) -> SignerSettings:
                return SignerSettings(
                    key_source=Pkcs12KeySource(pki.office_p12_path, PASSPHRASE),
                    profile=profile, tsa_url=tsa.url, trust_roots=(root,),
                    other_certs=(pki.issuing_cert.public_bytes(Encoding.DER),),
                    crls=tuple(c.public_bytes(Encoding.DER) for c in pki.crls))
            document = make_sample_pdf(args.pages)
            with DocumentSigner(settings(PadesProfile.B_T)) as signer:
                issued = signer.sign(document, REQUEST)
            with DocumentSigner(settings(PadesProfile.B_LTA)) as signer:
                lta = signer.sign(document, REQUEST)
            writer = IncrementalPdfFileWriter(BytesIO(lta))
            out = BytesIO()
            PdfTimeStamper(HTTPTimeStamper(tsa.url)).timestamp_pdf(writer, "sha256", output=out)
            renewed = out.getvalue()
        trust = TrustSettings(trust_roots=(root,))
        in_process = TrustSettings(trust_roots=(root,), isolate=False)
        for name, data in (("issued B-T copy", issued), ("renewed B-LTA copy", renewed)):
            report = verify_pdf(data, trust)
            assert report.indication.value == "TOTAL_PASSED", report.to_json()
            service = _ms(lambda d=data: verify_pdf(d, trust), args.rounds)
            inproc = _ms(lambda d=data: verify_pdf(d, in_process), args.rounds)
            baseline = _ms(lambda d=data: _pyhanko_documented(d, root), args.rounds)
            print(f"{name} ({len(data) // 1024} KiB, {report.pages_compared} pages compared): "
                  f"verify_pdf {service:.1f} ms/file, in-process {inproc:.1f} ms/file, "
                  f"pyHanko documented {baseline:.1f} ms/file, "
                  f"ratio {service / baseline:.2f}× ({inproc / baseline:.2f}× in-process)")
        print(f"verify_ms={service:.1f} verify_inprocess_ms={inproc:.1f} "
              f"pyhanko_ms={baseline:.1f} ratio={service / baseline:.2f}")


if __name__ == "__main__":
    main()
