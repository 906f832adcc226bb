"""The JSON API under ``/api/v1``: personal API tokens, problem details, resources.

Authentication is by ``Authorization: Bearer <token>`` only; the session cookie is
never read here, so the API needs no CSRF protection. Views call the same services
as the web pages (meetings/services.py, access rules included).
"""
