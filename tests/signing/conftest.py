"""Fixtures of the signing library's tests: one PKI, one TSA and one set of signed
files per session, since key generation and signing are the slow parts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from signing_helpers import OFFICE, PASSPHRASE, REQUEST, der

from signing.keys import Pkcs12KeySource
from signing.pki import DevPki, create_dev_pki
from signing.samples import make_sample_pdf
from signing.settings import PadesProfile, SignerSettings, StampSettings, TrustSettings
from signing.signer import DocumentSigner
from signing.tsa import LocalTsaServer, TimestampAuthority


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return create_dev_pki(tmp_path_factory.mktemp("pki"), office_name=OFFICE,
                          passphrase=PASSPHRASE, crl_url_base="http://127.0.0.1:5000/pki/")


@pytest.fixture(scope="session")
def tsa_url(pki: DevPki) -> Iterator[str]:
    with LocalTsaServer(TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)) as server:
        yield server.url


@pytest.fixture(scope="session")
def trust(pki: DevPki) -> TrustSettings:
    return TrustSettings(trust_roots=(der(pki.root_cert),))


@pytest.fixture(scope="session")
def sample_pdf() -> bytes:
    return make_sample_pdf(3)


@pytest.fixture(scope="session")
def make_settings(pki: DevPki, tsa_url: str) -> Callable[..., SignerSettings]:
    def make(profile: PadesProfile = PadesProfile.B_T, **overrides: object) -> SignerSettings:
        values: dict[str, object] = dict(
            key_source=Pkcs12KeySource(pki.office_p12_path, PASSPHRASE), profile=profile,
            tsa_url=tsa_url, trust_roots=(der(pki.root_cert),),
            other_certs=(der(pki.issuing_cert),), crls=tuple(der(c) for c in pki.crls),
            # The office's zone, as meetingsvc passes OFFICE_TIMEZONE.
            stamp=StampSettings(timezone=ZoneInfo("Asia/Ho_Chi_Minh")))
        values.update(overrides)
        return SignerSettings(**values)  # type: ignore[arg-type]
    return make


@pytest.fixture(scope="session")
def signed(make_settings: Callable[..., SignerSettings], sample_pdf: bytes
           ) -> dict[PadesProfile, bytes]:
    """The sample signed once under every profile."""
    result = {}
    for profile in PadesProfile:
        with DocumentSigner(make_settings(profile)) as signer:
            result[profile] = signer.sign(sample_pdf, REQUEST)
    return result


@pytest.fixture
def write_pdf(tmp_path: Path) -> Callable[[bytes, str], Path]:
    def write(data: bytes, name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return write
