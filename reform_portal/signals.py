"""Kernel-internal signal: a user's organization membership is mirrored to that organization's group,
so object permissions granted to an organization (django-guardian group permissions) reach its users."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import User


@receiver(post_save, sender=User)
def mirror_organization_group(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields is not None and "organization" not in update_fields):
        return
    from .services import sync_organization_group

    sync_organization_group(instance)
