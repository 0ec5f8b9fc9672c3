import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Load the word segmenter (jieba's dictionary: 1.5 s on an idle core, more under load) in each server
    process before it takes requests, so the first user of a worker who saves a text or publishes a list does
    not wait for it (the Redis fault test measured 2.6 s for a first publish). Then close the database
    connection the Region table was read on: a server that forks after loading this module (gunicorn
    --preload) must not share it."""
    from django.db import connections

    from reform_portal import text

    try:
        text.prepare()
    finally:
        connections.close_all()


_warm_up()
