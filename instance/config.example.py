# Copy to instance/config.py and adjust. Every setting can also be given as an
# environment variable with the MEETINGSVC_ prefix (MEETINGSVC_DATABASE_URL=...).

# A long random string; the service refuses to start without one (32+ characters).
SECRET_KEY = "change-me-to-a-long-random-string-of-48-characters"

# PostgreSQL instead of the embedded SQLite file:
# DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/meetingsvc"

# Largest accepted upload, in bytes (100 MB by default).
# MAX_UPLOAD_BYTES = 100 * 1024 * 1024

# Behind a reverse proxy that sets X-Forwarded-For / X-Forwarded-Proto:
# BEHIND_PROXY = True
