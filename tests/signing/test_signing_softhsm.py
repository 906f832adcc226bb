"""Signing with the office key on a PKCS#11 token (SoftHSM2, a token of our own)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from signing_helpers import REQUEST, der, pdfsig, signature_blocks

from signing.keys import Pkcs11KeySource, import_into_token
from signing.pki import DevPki
from signing.report import Indication
from signing.settings import PadesProfile, SignerSettings, TrustSettings
from signing.signer import DocumentSigner
from signing.verify import verify_pdf

MODULE = Path(os.environ.get("SOFTHSM2_MODULE", "/usr/lib/softhsm/libsofthsm2.so"))
TOKEN, PIN, SO_PIN, LABEL = "meetingsvc-test", "123456", "12345678", "office"

pytestmark = [
    pytest.mark.softhsm,
    pytest.mark.skipif(not MODULE.exists() and os.environ.get("CI") != "true",
                       reason=f"SoftHSM2 is not installed ({MODULE} missing); "
                              "apt-get install softhsm2 (required when CI=true)"),
]


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory, pki: DevPki) -> Iterator[None]:
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {directory / 'tokens'}\n"
                    "objectstore.backend = file\nlog.level = ERROR\n")
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    try:
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                        "--pin", PIN, "--so-pin", SO_PIN], check=True, capture_output=True)
        import_into_token(MODULE, TOKEN, PIN, LABEL, pki.office_key, der(pki.office_cert))
        yield
    finally:
        if old is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = old


def test_token_signed_file_verifies(token: None, pki: DevPki, sample_pdf: bytes,
                                    trust: TrustSettings, tmp_path: Path, tsa_url: str) -> None:
    source = Pkcs11KeySource(module_path=MODULE, token_label=TOKEN, user_pin=PIN,
                             key_label=LABEL,
                             extra_certs=(der(pki.issuing_cert), der(pki.root_cert)))
    settings = SignerSettings(key_source=source, profile=PadesProfile.B_T, tsa_url=tsa_url)
    with DocumentSigner(settings) as signer:
        data = signer.sign(sample_pdf, REQUEST)
    report = verify_pdf(data, trust)
    assert report.indication is Indication.TOTAL_PASSED, report.to_json()
    assert report.signatures[0].profile == "B-T"
    assert report.copy_metadata["copy_id"] == "C-0007"
    path = tmp_path / "token-signed.pdf"
    path.write_bytes(data)
    block = signature_blocks(pdfsig(path))[0]
    assert "Signature is Valid" in block and "Total document signed" in block
