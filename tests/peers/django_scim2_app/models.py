"""A User and a Group model with django-scim2's mixins, shaped like django-scim2's own test
models: Users belong to Groups through ``scim_groups`` (reverse name ``user_set``, which the
default Group adapter reads for ``members``)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_scim.models import AbstractSCIMGroupMixin, AbstractSCIMUserMixin


class Group(AbstractSCIMGroupMixin):  # type: ignore[misc]  # django-scim2 is untyped
    # displayName is not unique in RFC 7643 §4.2, so neither is the name here.
    name = models.CharField("name", max_length=254)


class User(AbstractSCIMUserMixin, AbstractUser):  # type: ignore[misc]  # (as above)
    scim_groups = models.ManyToManyField(Group, related_name="user_set", blank=True)
