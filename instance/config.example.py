# Copy to instance/config.py and adjust. Every setting, with its type and meaning, is
# declared in meetingsvc/config.py; each can also be given as an environment variable
# with the MEETINGSVC_ prefix (MEETINGSVC_DATABASE_URL=...), read as its declared type.

# A long random string; the service refuses to start without one (32+ characters) and
# refuses this placeholder: python -c 'import secrets; print(secrets.token_urlsafe(48))'
SECRET_KEY = "change-me-to-a-long-random-string-of-48-characters"

# PostgreSQL instead of the embedded SQLite file:
# DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/meetingsvc"

# Largest accepted upload, in bytes (100 MB by default).
# MAX_UPLOAD_BYTES = 100 * 1024 * 1024

# Behind a reverse proxy that sets X-Forwarded-For / X-Forwarded-Proto:
# BEHIND_PROXY = True

# The office's time zone: times shown, printed and exported.
# OFFICE_TIMEZONE = "Asia/Ho_Chi_Minh"

# The development PKI (flask signing init-pki) stores the passphrase of its keys,
# the office's and the embedded TSA's, here:
# DEV_PKI_PASSPHRASE = "..."
# A production key is separate: its PKCS#12 file and that file's password ...
# SIGNING_PKCS12_PATH = "/etc/meetingsvc/office.p12"
# SIGNING_PKCS12_PASSWORD = "..."
# ... and the CA that issued it, for validation and for /pki/<name>:
# TRUST_ROOT_FILES = ("/etc/meetingsvc/trust/root-ca.crt",)
# TRUST_INTERMEDIATE_FILES = ("/etc/meetingsvc/trust/issuing-ca.crt",)
# TRUST_CRL_FILES = ("/etc/meetingsvc/trust/issuing-ca.crl",)
# PUBLIC_PKI_FILES = ("root-ca.crt", "issuing-ca.crt", "root-ca.crl", "issuing-ca.crl")
