from config.settings_production import *  # noqa: F403  (moved to config/; kept for deployments that name it)
