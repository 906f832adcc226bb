"""The WSGI entry point for gunicorn: ``gunicorn meetingsvc.wsgi:app``.

On start it resumes any issuance a killed service left unfinished.
"""

from meetingsvc import create_app
from meetingsvc.issuance.runner import resume_unfinished

app = create_app()
resume_unfinished(app)
