"""The WSGI entry point for gunicorn: ``gunicorn meetingsvc.wsgi:app``.

The web processes only serve: issuance runs in the one issuance worker
(``flask --app meetingsvc issuance worker``) or in Celery workers.
"""

from meetingsvc import create_app

app = create_app()
