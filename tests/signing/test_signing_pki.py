"""The development PKI: what each certificate says, CRLs, encrypted keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from signing_helpers import OFFICE, PASSPHRASE

from signing.errors import PkiError
from signing.pki import ISSUING_CERT_FILE, DevPki, load_dev_pki


def test_office_certificate_has_vietnamese_name_and_signing_key_usage(pki: DevPki) -> None:
    cert = pki.office_cert
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == OFFICE
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert cert.issuer == pki.issuing_cert.subject


def test_tsa_certificate_has_critical_timestamping_eku(pki: DevPki) -> None:
    eku = pki.tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_crl_distribution_points_use_the_given_url_base(pki: DevPki) -> None:
    def urls(cert: x509.Certificate) -> list[str]:
        dps = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        return [name.value for dp in dps for name in (dp.full_name or [])]

    assert urls(pki.office_cert) == ["http://127.0.0.1:5000/pki/issuing-ca.crl"]
    assert urls(pki.tsa_cert) == ["http://127.0.0.1:5000/pki/issuing-ca.crl"]
    assert urls(pki.issuing_cert) == ["http://127.0.0.1:5000/pki/root-ca.crl"]


def test_crls_are_written_and_signed_by_their_cas(pki: DevPki) -> None:
    root_crl, issuing_crl = pki.crls
    assert root_crl.is_signature_valid(pki.root_cert.public_key())  # type: ignore[arg-type]
    assert issuing_crl.is_signature_valid(pki.issuing_cert.public_key())  # type: ignore[arg-type]
    assert (pki.directory / "root-ca.crl").read_bytes()
    assert (pki.directory / "issuing-ca.crl").read_bytes()
    assert len(list(issuing_crl)) == 0


def test_private_keys_are_encrypted_on_disk(pki: DevPki) -> None:
    for name in ("root-ca.key", "issuing-ca.key"):
        assert b"ENCRYPTED PRIVATE KEY" in (pki.directory / name).read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates((pki.directory / "office.p12").read_bytes(), b"wrong")


def test_load_round_trips_and_rejects_a_wrong_passphrase(pki: DevPki) -> None:
    loaded = load_dev_pki(pki.directory, PASSPHRASE)
    assert loaded.office_cert == pki.office_cert
    assert loaded.tsa_cert == pki.tsa_cert
    with pytest.raises(PkiError):
        load_dev_pki(pki.directory, b"wrong passphrase")
    with pytest.raises(PkiError):
        load_dev_pki(Path(pki.directory / "missing"), PASSPHRASE)
    assert (pki.directory / ISSUING_CERT_FILE).exists()
