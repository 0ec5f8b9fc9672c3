from config.wsgi import application  # noqa: F401  (moved to config/; kept for `gunicorn reform_portal.wsgi`)
