"""The WSGI entry point: `gunicorn wsgi:app`, and what `flask` finds with no flags."""

from app import create_app

app = create_app()
