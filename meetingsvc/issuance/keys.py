"""The office's signing key, the embedded TSA and the trust roots, from configuration.

A real installation points ``SIGNING_PKCS12_PATH`` and ``SIGNING_PKCS12_PASSWORD``
(or the ``SIGNING_PKCS11_*`` settings) at the office's certificate and
``TRUST_*_FILES`` at its CA; the development PKI made by ``flask signing init-pki``,
whose keys open with ``DEV_PKI_PASSPHRASE``, is the default.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from signing import (
    KeySource,
    PadesProfile,
    Pkcs11KeySource,
    Pkcs12KeySource,
    SignerSettings,
    StampSettings,
    TimestampAuthority,
    TrustSettings,
    create_dev_pki,
    load_dev_pki,
)
from signing.pki import (
    ISSUING_CERT_FILE,
    ISSUING_CRL_FILE,
    OFFICE_P12_FILE,
    ROOT_CERT_FILE,
    ROOT_CRL_FILE,
)

from ..errors import N_, DomainError
from ..timezones import zone_named


class SigningNotConfigured(DomainError):
    """No usable signing key; the message says what to configure."""


def public_pki_files(config: Mapping[str, Any]) -> tuple[str, ...]:
    """Names of the files in ``PKI_DIR`` anyone may fetch (certificates and CRLs)."""
    return tuple(config["PUBLIC_PKI_FILES"])


def pki_dir(config: Mapping[str, Any], instance_path: str) -> Path:
    return Path(config.get("PKI_DIR") or Path(instance_path) / "pki")


def init_dev_pki(config: Mapping[str, Any], instance_path: str) -> tuple[Path, str | None]:
    """Create the development PKI unless one exists; returns its folder and a new passphrase.

    The passphrase is returned only when it was made here; the caller stores it in
    ``instance/config.py``.
    """
    directory = pki_dir(config, instance_path)
    if (directory / OFFICE_P12_FILE).exists():
        return directory, None
    passphrase = secrets.token_urlsafe(32)
    create_dev_pki(directory, office_name=config["OFFICE_NAME"], passphrase=passphrase.encode(),
                   crl_url_base=config["PUBLIC_BASE_URL"].rstrip("/") + "/pki/")
    return directory, passphrase


def key_source(config: Mapping[str, Any], instance_path: str) -> KeySource:
    if config.get("SIGNING_PKCS11_MODULE"):
        return Pkcs11KeySource(
            module_path=Path(config["SIGNING_PKCS11_MODULE"]),
            token_label=config["SIGNING_PKCS11_TOKEN"], user_pin=config["SIGNING_PKCS11_PIN"],
            key_label=config["SIGNING_PKCS11_KEY_LABEL"])
    if config.get("SIGNING_PKCS12_PATH"):
        path = Path(config["SIGNING_PKCS12_PATH"])
        password = config.get("SIGNING_PKCS12_PASSWORD")
    else:
        path = pki_dir(config, instance_path) / OFFICE_P12_FILE
        password = config.get("DEV_PKI_PASSPHRASE")
    if not path.exists() or not password:
        raise SigningNotConfigured(N_(
            "No signing key is configured: run `flask --app meetingsvc signing init-pki` "
            "or set SIGNING_PKCS12_PATH and SIGNING_PKCS12_PASSWORD."))
    return Pkcs12KeySource(path=path, passphrase=str(password).encode())


def signer_settings(config: Mapping[str, Any], instance_path: str) -> SignerSettings:
    """How the office signs issued copies; picklable, handed to every worker process."""
    profile = PadesProfile(config["SIGNING_PROFILE"])
    roots, intermediates, crls = _validation_material(config, instance_path)
    return SignerSettings(
        key_source=key_source(config, instance_path),
        profile=profile,
        tsa_url=config.get("TSA_URL") if profile.needs_timestamp else None,
        stamp=StampSettings(font_path=Path(config["PDF_FONT_DIR"]) / "DejaVuSans.ttf",
                            office_name=config["OFFICE_NAME"],
                            timezone=zone_named(config["OFFICE_TIMEZONE"])),
        trust_roots=roots, other_certs=intermediates, crls=crls,
        location=config.get("SIGNING_LOCATION"),
    )


def trust_settings(config: Mapping[str, Any], instance_path: str) -> TrustSettings:
    """What the service's own verification trusts: the office's root."""
    roots, intermediates, crls = _validation_material(config, instance_path)
    return TrustSettings(trust_roots=roots, other_certs=intermediates, crls=crls,
                         timeout_seconds=float(config.get("VERIFY_TIMEOUT_SECONDS", 20)))


def _validation_material(config: Mapping[str, Any], instance_path: str
                         ) -> tuple[tuple[bytes, ...], tuple[bytes, ...], tuple[bytes, ...]]:
    """Roots, intermediates and CRLs from ``TRUST_*_FILES``; each unset one from the dev PKI.

    A configured file that is missing is an error; a missing development file is
    skipped (no PKI made yet)."""
    directory = pki_dir(config, instance_path)

    def files(configured: tuple[str, ...] | str | None, dev_names: tuple[str, ...]
              ) -> list[Path]:
        if isinstance(configured, str):  # one file written without the tuple around it
            configured = (configured,)
        if configured:
            return [Path(name) for name in configured]
        return [directory / name for name in dev_names if (directory / name).exists()]

    def der_certs(paths: list[Path]) -> tuple[bytes, ...]:
        return tuple(x509.load_pem_x509_certificate(path.read_bytes())
                     .public_bytes(serialization.Encoding.DER) for path in paths)

    return (der_certs(files(config.get("TRUST_ROOT_FILES"), (ROOT_CERT_FILE,))),
            der_certs(files(config.get("TRUST_INTERMEDIATE_FILES"), (ISSUING_CERT_FILE,))),
            tuple(path.read_bytes() for path in
                  files(config.get("TRUST_CRL_FILES"), (ROOT_CRL_FILE, ISSUING_CRL_FILE))))


@lru_cache(maxsize=4)
def timestamp_authority(directory: Path, passphrase: str) -> TimestampAuthority:
    """The development TSA, loaded once per process for the /tsa endpoint."""
    pki = load_dev_pki(directory, passphrase.encode())
    return TimestampAuthority(pki.tsa_cert, pki.tsa_key, pki.chain)
