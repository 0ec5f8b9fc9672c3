"""What a block of code builds as models (issue 19's "options and rows from columns" tests)."""

from contextlib import contextmanager

from django.db.models.signals import post_init


@contextmanager
def models_built(*senders):
    """The list of the ``senders`` classes instantiated inside the block, one entry per model built (``post_init``)."""
    built = []

    def count(sender, **kwargs):
        built.append(sender)

    for sender in senders:
        post_init.connect(count, sender=sender)
    try:
        yield built
    finally:
        for sender in senders:
            post_init.disconnect(count, sender=sender)
