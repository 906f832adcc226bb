"""The WSGI entry point for gunicorn: ``gunicorn meetingsvc.wsgi:app``."""

from meetingsvc import create_app

app = create_app()
