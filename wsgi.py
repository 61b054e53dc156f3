"""The WSGI entry point for the production server (gunicorn wsgi:app)."""

from provisioning import create_app

app = create_app()
