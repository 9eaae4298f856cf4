"""Settings of the django-scim2 peer: what django-scim2 0.23.0's README asks for, nothing more.

The environment gives the port (``SCIM_PEER_PORT``, for absolute locations), the bearer token
(``SCIM_PEER_TOKEN``) and the SQLite file (``SCIM_PEER_DB``, in a temporary folder).
"""

from __future__ import annotations

import os

PORT = os.environ.get("SCIM_PEER_PORT", "8000")
TOKEN = os.environ["SCIM_PEER_TOKEN"]

SECRET_KEY = "django-scim2-peer-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "django_scim2_app.urls"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_scim",
    "django_scim2_app",
]

# Bearer authentication: our middleware sets request.user; django-scim2 checks it on every
# SCIM view (SCIMAuthCheckMiddleware decorates the views' dispatch).
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django_scim2_app.auth.BearerTokenMiddleware",
]

# A throw-away database: no fsync per commit, so a run stays within its time budget.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["SCIM_PEER_DB"],
        "OPTIONS": {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL;"},
    }
}

# Test passwords only: a fast hash instead of PBKDF2's deliberately slow one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTH_USER_MODEL = "django_scim2_app.User"

SCIM_SERVICE_PROVIDER = {
    "SCHEME": "http",
    "NETLOC": f"127.0.0.1:{PORT}",
    "GROUP_MODEL": "django_scim2_app.models.Group",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token (RFC 6750)",
            "primary": True,
        },
    ],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="django-scim2"',
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
