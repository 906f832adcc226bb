# mypy: disable-error-code="no-untyped-call"
# (pyHanko and asn1crypto leave many constructors unannotated)
"""Where the office's signing key lives: a PKCS#12 file or a PKCS#11 token.

Both key sources are small frozen (and so picklable) settings objects with one
method, :meth:`KeySource.open_signer`, which returns a pyHanko
:class:`~pyhanko.sign.signers.pdf_cms.Signer`. Open a signer once per process
and reuse it: opening is the expensive part (decrypting the PKCS#12 file,
logging in to the token), signing is cheap.

The PKCS#12 signer, :class:`LoadedKeySigner`, keeps the decoded
``cryptography`` key object in memory. pyHanko's own ``SimpleSigner``
re-parses and re-validates the RSA key on every signature, which dominates the
cost of signing a document.
"""

from __future__ import annotations

import abc
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from .errors import KeySourceError

__all__ = [
    "KeySource",
    "Pkcs12KeySource",
    "Pkcs11KeySource",
    "LoadedKeySigner",
    "import_into_token",
]


class KeySource(abc.ABC):
    """Somewhere a signing key and its certificate chain can be opened from."""

    @abc.abstractmethod
    def open_signer(self) -> Signer:
        """Open the key and return a pyHanko signer (raise :class:`KeySourceError`)."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op for file keys
        """Release what :meth:`open_signer` holds open (a token session)."""


class _EncodedAttributeProvider(CMSAttributeProvider):
    """Provides a signed attribute whose value never changes, encoded once."""

    def __init__(self, attribute_type: str, value: Any) -> None:
        self.attribute_type = attribute_type
        self._der = value.dump()
        self._spec = type(value)

    async def build_attr_value(self, dry_run: bool = False) -> Any:
        return self._spec.load(self._der)


class LoadedKeySigner(Signer):
    """A pyHanko signer over a private key already decoded in memory (RSA or EC).

    Besides keeping the key, it encodes the signing-certificate-v2 attribute once:
    asn1crypto spends milliseconds re-encoding the issuer name for every signature.
    """

    def __init__(self, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                 cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]) -> None:
        store = SimpleCertificateStore()
        store.register_multiple(chain)
        super().__init__(signing_cert=cert, cert_registry=store)
        self._key = key
        self._signing_cert_attr = _EncodedAttributeProvider(
            "signing_certificate_v2", as_signing_certificate_v2(cert))

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[CMSAttributeProvider]:
        # pyHanko 0.38 internal hook (its version is pinned in requirements.txt)
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, SigningCertificateV2Provider):
                yield self._signing_cert_attr
            else:
                yield provider

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        """Sign ``data``; a dry run returns zeros of the right length without signing."""
        if dry_run:
            if isinstance(self._key, rsa.RSAPrivateKey):
                return bytes(self._key.key_size // 8)
            return bytes(2 * ((self._key.curve.key_size + 7) // 8) + 8)
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        algo = mechanism.signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self._key, rsa.RSAPrivateKey):
            if algo == "rsassa_pkcs1v15":
                return self._key.sign(data, padding.PKCS1v15(), hash_algo)
            if algo == "rsassa_pss":
                pss = padding.PSS(mgf=padding.MGF1(hash_algo), salt_length=hash_algo.digest_size)
                return self._key.sign(data, pss, hash_algo)
        elif algo == "ecdsa":
            return self._key.sign(data, ec.ECDSA(hash_algo))
        raise KeySourceError(f"signature mechanism {algo!r} is not supported for this key")


def _asn1(cert: Any) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Pkcs12KeySource(KeySource):
    """A PKCS#12 (``.p12``/``.pfx``) file with the key, its certificate and chain."""

    path: Path
    """The PKCS#12 file."""
    passphrase: bytes = field(repr=False)
    """Its passphrase: the caller reads it from the environment or configuration."""
    extra_certs: tuple[bytes, ...] = ()
    """DER certificates to add to the chain if the file lacks them."""

    def open_signer(self) -> LoadedKeySigner:
        """Decrypt the file once and return a signer that keeps the key in memory."""
        try:
            key, cert, others = pkcs12.load_key_and_certificates(
                Path(self.path).read_bytes(), self.passphrase)
        except (OSError, ValueError) as exc:
            raise KeySourceError(f"cannot open PKCS#12 file {self.path}: {exc}") from exc
        if cert is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeySourceError(f"{self.path} holds no RSA/EC key with a certificate")
        chain = [_asn1(c) for c in others]
        chain += [asn1_x509.Certificate.load(der) for der in self.extra_certs]
        return LoadedKeySigner(key, _asn1(cert), chain)


@dataclass(frozen=True)
class Pkcs11KeySource(KeySource):
    """A key on a PKCS#11 token (a smart card, an HSM, SoftHSM2 in tests)."""

    module_path: Path
    """The PKCS#11 module, e.g. ``/usr/lib/softhsm/libsofthsm2.so``."""
    token_label: str
    """Label of the token that holds the key."""
    user_pin: str = field(repr=False)
    """User PIN of the token (from the environment or configuration)."""
    key_label: str
    """Label of the private key object (and, by default, of its certificate)."""
    cert_label: str | None = None
    """Label of the certificate object, if it differs from ``key_label``."""
    extra_certs: tuple[bytes, ...] = ()
    """DER certificates of the chain, if the token does not hold them."""
    _state: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def open_signer(self) -> Signer:
        """Log in to the token and return pyHanko's PKCS#11 signer bound to the session."""
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        try:
            session = open_pkcs11_session(str(self.module_path),
                                          token_criteria=TokenCriteria(label=self.token_label),
                                          user_pin=self.user_pin)
        except Exception as exc:  # python-pkcs11 raises many unrelated types
            raise KeySourceError(f"cannot open PKCS#11 token {self.token_label!r}: {exc}") from exc
        self.close()
        self._state["session"] = session
        chain = [asn1_x509.Certificate.load(der) for der in self.extra_certs]
        return PKCS11Signer(session, key_label=self.key_label,
                            cert_label=self.cert_label or self.key_label, ca_chain=chain)

    def close(self) -> None:
        """Close the token session, if one is open."""
        session = self._state.pop("session", None)
        if session is not None:
            with contextlib.suppress(Exception):
                session.close()


_IMPORT_LOCK = threading.Lock()


def import_into_token(module_path: Path, token_label: str, user_pin: str, label: str,
                      key: rsa.RSAPrivateKey, cert_der: bytes) -> None:
    """Store an RSA key and its certificate on a token under ``label`` (dev and tests).

    Production keys are generated on the token and never leave it; this helper
    exists to put the development PKI's office key on SoftHSM2.
    """
    import pkcs11
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    der = key.private_bytes(serialization.Encoding.DER,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    key_attrs = decode_rsa_private_key(der)
    key_attrs.update({pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: label,
                      pkcs11.Attribute.ID: label.encode(), pkcs11.Attribute.SENSITIVE: True,
                      pkcs11.Attribute.SIGN: True})
    cert_attrs = decode_x509_certificate(cert_der)
    cert_attrs.update({pkcs11.Attribute.TOKEN: True, pkcs11.Attribute.LABEL: label,
                       pkcs11.Attribute.ID: label.encode()})
    with _IMPORT_LOCK:
        lib = pkcs11.lib(str(module_path))
        token = lib.get_token(token_label=token_label)
        with token.open(rw=True, user_pin=user_pin) as session:
            session.create_object(key_attrs)
            session.create_object(cert_attrs)
