"""A minimal Django project serving django-scim2, the peer tests/peers/test_django_scim2.py runs
our suite against. It runs in a virtualenv of its own with ``tests/peers`` on ``PYTHONPATH``."""
