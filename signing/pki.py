"""A development PKI: root CA, issuing CA, the office's signing certificate, a TSA, CRLs.

:func:`create_dev_pki` writes everything into one directory; :func:`load_dev_pki`
reads it back. Private keys are stored encrypted with the caller's passphrase
(PKCS#12 for the two end-entity keys, encrypted PKCS#8 PEM for the CA keys), so
the directory can live in ``instance/keys`` without leaking a usable key.

Layout of the directory (names are the ``*_FILE`` constants below)::

    root-ca.crt  root-ca.key  root-ca.crl
    issuing-ca.crt  issuing-ca.key  issuing-ca.crl
    office.p12  office.crt        (key usage: digitalSignature + nonRepudiation)
    tsa.p12  tsa.crt              (extended key usage: timeStamping, critical)

Every certificate below the root carries a CRL distribution point
``<crl_url_base><issuer>.crl``, and the CRL files are written beside them so
they can be embedded into B-LT signatures without any network access.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .errors import PkiError

__all__ = [
    "DevPki",
    "create_dev_pki",
    "load_dev_pki",
    "revoke_certificate",
    "to_asn1_cert",
    "ROOT_CERT_FILE",
    "ROOT_CRL_FILE",
    "ISSUING_CERT_FILE",
    "ISSUING_CRL_FILE",
    "OFFICE_P12_FILE",
    "OFFICE_CERT_FILE",
    "TSA_P12_FILE",
    "TSA_CERT_FILE",
]

ROOT_CERT_FILE = "root-ca.crt"
ROOT_KEY_FILE = "root-ca.key"
ROOT_CRL_FILE = "root-ca.crl"
ISSUING_CERT_FILE = "issuing-ca.crt"
ISSUING_KEY_FILE = "issuing-ca.key"
ISSUING_CRL_FILE = "issuing-ca.crl"
OFFICE_P12_FILE = "office.p12"
OFFICE_CERT_FILE = "office.crt"
TSA_P12_FILE = "tsa.p12"
TSA_CERT_FILE = "tsa.crt"

_PRIVATE = 0o600


@dataclass(frozen=True)
class DevPki:
    """The development PKI as loaded from its directory (keys decrypted in memory)."""

    directory: Path
    """Where the files live."""
    root_cert: x509.Certificate
    """Self-signed root CA: the trust anchor auditors configure."""
    issuing_cert: x509.Certificate
    """Intermediate CA that issues the office and TSA certificates."""
    office_cert: x509.Certificate
    """The office's signing certificate."""
    office_key: rsa.RSAPrivateKey
    """The office's private key."""
    tsa_cert: x509.Certificate
    """The time-stamp authority's certificate."""
    tsa_key: rsa.RSAPrivateKey
    """The time-stamp authority's private key."""
    crls: tuple[x509.CertificateRevocationList, ...]
    """Current CRLs: root CA's, then issuing CA's."""

    @property
    def office_p12_path(self) -> Path:
        """PKCS#12 file holding the office key, certificate and chain."""
        return self.directory / OFFICE_P12_FILE

    @property
    def tsa_p12_path(self) -> Path:
        """PKCS#12 file holding the TSA key, certificate and chain."""
        return self.directory / TSA_P12_FILE

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        """CA certificates above the end-entity certificates, issuing CA first."""
        return (self.issuing_cert, self.root_cert)

    def asn1_certs(self) -> list[asn1_x509.Certificate]:
        """Every certificate of the PKI, as asn1crypto objects (what pyHanko wants)."""
        return [to_asn1_cert(c) for c in (self.root_cert, self.issuing_cert, self.office_cert,
                                          self.tsa_cert)]

    def asn1_crls(self) -> list[asn1_crl.CertificateList]:
        """The CRLs as asn1crypto objects (for an offline validation context)."""
        return [asn1_crl.CertificateList.load(c.public_bytes(serialization.Encoding.DER))
                for c in self.crls]


def to_asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    """Convert a cryptography certificate to asn1crypto's type."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _new_key(key_size: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=key_size)


def _crl_dp(url: str) -> x509.CRLDistributionPoints:
    return x509.CRLDistributionPoints([
        x509.DistributionPoint([x509.UniformResourceIdentifier(url)], None, None, None)
    ])


def _ca_cert(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: x509.Name,
             issuer_key: rsa.RSAPrivateKey, now: dt.datetime, years: int,
             path_len: int | None, crl_url: str | None) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_len), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    )
    if crl_url is not None:
        builder = builder.add_extension(_crl_dp(crl_url), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _leaf_cert(subject: x509.Name, key: rsa.RSAPrivateKey, issuer: x509.Certificate,
               issuer_key: rsa.RSAPrivateKey, now: dt.datetime, years: int, crl_url: str,
               *, timestamping: bool) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=not timestamping,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
        .add_extension(_crl_dp(crl_url), critical=False)
    )
    if timestamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(issuer_key, hashes.SHA256())


def _make_crl(issuer: x509.Certificate, issuer_key: rsa.RSAPrivateKey, now: dt.datetime,
              revoked: dict[int, dt.datetime] | None = None,
              number: int = 1) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now - dt.timedelta(minutes=5))
        .next_update(now + dt.timedelta(days=30))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    )
    for serial, when in (revoked or {}).items():
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.write_bytes(data)
    if private:
        path.chmod(_PRIVATE)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _encrypted_pkcs8(key: rsa.RSAPrivateKey, passphrase: bytes) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.BestAvailableEncryption(passphrase))


def _p12(name: str, key: rsa.RSAPrivateKey, cert: x509.Certificate,
         chain: list[x509.Certificate], passphrase: bytes) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        name.encode(), key, cert, chain, serialization.BestAvailableEncryption(passphrase))


def create_dev_pki(directory: Path, *, office_name: str, passphrase: bytes,
                   crl_url_base: str = "http://127.0.0.1:5000/pki/",
                   organisation: str = "Tỉnh ủy", key_size: int = 2048,
                   now: dt.datetime | None = None) -> DevPki:
    """Create a fresh development PKI in ``directory`` and return it loaded.

    ``office_name`` becomes the common name of the signing certificate (Vietnamese is
    fine: it is stored as UTF8String). ``crl_url_base`` is where the CRL files will
    be served (it must end with ``/``). ``now`` pins the validity periods.
    """
    if not passphrase:
        raise PkiError("a passphrase is required to encrypt the private keys")
    if not crl_url_base.endswith("/"):
        crl_url_base += "/"
    now = now or dt.datetime.now(dt.UTC)
    directory.mkdir(parents=True, exist_ok=True)

    root_key, issuing_key = _new_key(key_size), _new_key(key_size)
    office_key, tsa_key = _new_key(key_size), _new_key(key_size)
    root_name = _name(f"{organisation} – Root CA (dev)", organisation)
    root = _ca_cert(root_name, root_key, root_name, root_key, now, 20, None, None)
    issuing = _ca_cert(_name(f"{organisation} – Issuing CA (dev)", organisation), issuing_key,
                       root_name, root_key, now, 10, 0, crl_url_base + ROOT_CRL_FILE)
    office = _leaf_cert(_name(office_name, organisation), office_key, issuing, issuing_key, now,
                        3, crl_url_base + ISSUING_CRL_FILE, timestamping=False)
    tsa = _leaf_cert(_name(f"{office_name} – TSA", organisation), tsa_key, issuing, issuing_key,
                     now, 10, crl_url_base + ISSUING_CRL_FILE, timestamping=True)

    d = directory
    _write(d / ROOT_CERT_FILE, _pem(root))
    _write(d / ROOT_KEY_FILE, _encrypted_pkcs8(root_key, passphrase), private=True)
    _write(d / ISSUING_CERT_FILE, _pem(issuing))
    _write(d / ISSUING_KEY_FILE, _encrypted_pkcs8(issuing_key, passphrase), private=True)
    _write(d / OFFICE_CERT_FILE, _pem(office))
    _write(d / OFFICE_P12_FILE, _p12("office", office_key, office, [issuing, root], passphrase),
           private=True)
    _write(d / TSA_CERT_FILE, _pem(tsa))
    _write(d / TSA_P12_FILE, _p12("tsa", tsa_key, tsa, [issuing, root], passphrase),
           private=True)
    _write(d / ROOT_CRL_FILE, _make_crl(root, root_key, now).public_bytes(
        serialization.Encoding.DER))
    _write(d / ISSUING_CRL_FILE, _make_crl(issuing, issuing_key, now).public_bytes(
        serialization.Encoding.DER))
    return load_dev_pki(directory, passphrase)


def _load_p12(path: Path, passphrase: bytes) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise PkiError(f"{path.name} does not hold an RSA key and its certificate")
    return key, cert


def load_dev_pki(directory: Path, passphrase: bytes) -> DevPki:
    """Load a PKI written by :func:`create_dev_pki`; raise :class:`PkiError` if it can't."""
    d = Path(directory)
    try:
        office_key, office = _load_p12(d / OFFICE_P12_FILE, passphrase)
        tsa_key, tsa = _load_p12(d / TSA_P12_FILE, passphrase)
        root = x509.load_pem_x509_certificate((d / ROOT_CERT_FILE).read_bytes())
        issuing = x509.load_pem_x509_certificate((d / ISSUING_CERT_FILE).read_bytes())
        crls = tuple(x509.load_der_x509_crl((d / name).read_bytes())
                     for name in (ROOT_CRL_FILE, ISSUING_CRL_FILE))
    except (OSError, ValueError) as exc:
        raise PkiError(f"cannot load the development PKI from {d}: {exc}") from exc
    return DevPki(directory=d, root_cert=root, issuing_cert=issuing, office_cert=office,
                  office_key=office_key, tsa_cert=tsa, tsa_key=tsa_key, crls=crls)


def revoke_certificate(directory: Path, passphrase: bytes, serial: int,
                       *, when: dt.datetime | None = None) -> DevPki:
    """Add ``serial`` to the issuing CA's CRL (re-signed with a higher CRL number)."""
    d = Path(directory)
    when = when or dt.datetime.now(dt.UTC)
    try:
        issuing_key = serialization.load_pem_private_key(
            (d / ISSUING_KEY_FILE).read_bytes(), passphrase)
        issuing = x509.load_pem_x509_certificate((d / ISSUING_CERT_FILE).read_bytes())
        current = x509.load_der_x509_crl((d / ISSUING_CRL_FILE).read_bytes())
    except (OSError, ValueError) as exc:
        raise PkiError(f"cannot load the issuing CA from {d}: {exc}") from exc
    if not isinstance(issuing_key, rsa.RSAPrivateKey):
        raise PkiError("the issuing CA key is not an RSA key")
    revoked = {r.serial_number: r.revocation_date_utc for r in current}
    revoked[serial] = when
    number = current.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
    new_crl = _make_crl(issuing, issuing_key, max(when, dt.datetime.now(dt.UTC)), revoked, number)
    _write(d / ISSUING_CRL_FILE, new_crl.public_bytes(serialization.Encoding.DER))
    return load_dev_pki(d, passphrase)
