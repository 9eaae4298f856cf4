"""The WSGI application of the django-scim2 peer (served by gunicorn on 127.0.0.1)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_scim2_app.settings")
application = get_wsgi_application()
