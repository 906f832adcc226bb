"""Constants and helpers shared by the signing tests (imported by name, not a fixture)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from signing.settings import SignRequest

PASSPHRASE = b"test passphrase"
OFFICE = "Văn phòng Tỉnh ủy"
REQUEST = SignRequest(qr_url="http://127.0.0.1:5000/v/3f9a0c",
                      metadata={"copy_id": "C-0007", "symbol": "15-NQ/TU", "copy_number": "07/55"})


def der(cert: object) -> bytes:
    """DER bytes of a cryptography certificate or CRL."""
    return cert.public_bytes(Encoding.DER)  # type: ignore[attr-defined, no-any-return]


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is required by the signing tests (apt-get install poppler-utils qpdf)")
    return path


def pdfsig(path: Path) -> str:
    """poppler's independent verdict on the signatures of ``path``."""
    result = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True,
                            text=True, timeout=60, check=False)
    return result.stdout


def signature_blocks(pdfsig_output: str) -> list[str]:
    """pdfsig's output split per signature."""
    return pdfsig_output.split("Signature #")[1:]
