FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings_production
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk fonts-arphic-ukai \
      fonts-hanazono fonts-babelstone-han fonts-symbola fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
# Static files with the build-time settings: no SECRET_KEY in the image (production refuses to start without a real one).
RUN pip install --no-cache-dir -e . \
 && DJANGO_SETTINGS_MODULE=config.settings_build python manage.py collectstatic --noinput
RUN useradd --create-home portal && mkdir -p /app/var/media && chown -R portal /app/var
USER portal
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
