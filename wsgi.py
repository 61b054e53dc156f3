"""The WSGI entry point: ``gunicorn wsgi:app``."""

from provisioning import create_app

app = create_app()
