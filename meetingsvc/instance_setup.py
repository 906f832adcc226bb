"""First start: give the instance folder a random secret key before the app is created.

Run as ``python -m meetingsvc.instance_setup [INSTANCE_DIR]``; it never overwrites.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def ensure_instance(instance: Path) -> bool:
    """Write ``config.py`` with a fresh secret key if there is none; True when written."""
    instance.mkdir(parents=True, exist_ok=True)
    config = instance / "config.py"
    if config.exists():
        return False
    key = secrets.token_urlsafe(48)
    handle = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(
            "# Written on first start; never commit it. See config.example.py for the settings.\n"
            f"SECRET_KEY = {key!r}\n"
            "\n# For the demo only: staff sign in with just their password. In production\n"
            "# delete this line (the default is True): admin, secretariat and auditor\n"
            "# accounts then sign in with a code from an authenticator app too.\n"
            "REQUIRE_2FA_FOR_STAFF = False\n"
            "\n# `flask signing init-pki` adds DEV_PKI_PASSPHRASE below: the development\n"
            "# PKI's keys and its TSA. A production key is SIGNING_PKCS12_PATH with its own\n"
            "# SIGNING_PKCS12_PASSWORD (or the SIGNING_PKCS11_* settings).\n"
        )
    return True


def main(argv: list[str]) -> int:
    instance = Path(argv[1]) if len(argv) > 1 else Path(
        os.environ.get("MEETINGSVC_INSTANCE_PATH", DEFAULT_INSTANCE))
    if ensure_instance(instance):
        print(f"wrote a new secret key to {instance / 'config.py'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
