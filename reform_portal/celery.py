from config.celery import app  # noqa: F401  (moved to config/; kept so that `celery -A reform_portal` still works)
