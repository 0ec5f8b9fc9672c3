"""The API's schema and docs (DECISIONS §18): OpenAPI 3 at /api/schema/ generated without a warning, every route
of the API documented, Swagger UI at /api/docs/ with self-hosted assets and no inline script (the CSP)."""

import re
import warnings

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

UNDOCUMENTED = {"api:schema", "api:docs"}  # the schema and its viewer are not operations of the API


def api_routes():
    """(name, path template) of every route in the ``api`` namespace, e.g. ("api:lists", "/api/v1/lists/")."""
    [api] = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api"]
    routes = {}
    for pattern in api.url_patterns:
        assert isinstance(pattern, URLPattern)
        path = "/api/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        routes[f"api:{pattern.name}"] = path
    return routes


def _shape(path):
    """A path with its parameters unnamed (the schema calls a ``pk`` ``id``)."""
    return re.sub(r"\{\w+\}", "{}", path)


def test_the_schema_generates_without_warnings_or_errors():
    GENERATOR_STATS.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, GENERATOR_STATS
    assert schema["openapi"].startswith("3.")
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_every_api_route_is_documented():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {_shape(p) for p in schema["paths"]}
    missing = {n: p for n, p in api_routes().items() if n not in UNDOCUMENTED and _shape(p) not in documented}
    assert not missing, f"API routes missing from the schema: {missing}"
    assert len(documented) == len(api_routes()) - len(UNDOCUMENTED)


def test_the_schema_is_served_to_anyone():
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "全面创新改革平台 API"


def test_the_docs_page_has_no_inline_script_or_style_and_its_assets_are_served_here():
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Content-Security-Policy" in response and "unsafe-inline" not in response["Content-Security-Policy"]
    )
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert len(scripts) == 3
    assert all(body.strip() == "" and 'src="/' in attrs for attrs, body in scripts), scripts
    assert "<style" not in page and "style=" not in page
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', page)
    assert any("swagger-ui-bundle.js" in a for a in assets)
    for url in assets:
        got = client.get(url.replace("&amp;", "&"))
        assert got.status_code == 200, url
        body = b"".join(got.streaming_content) if got.streaming else got.content
        assert body, url
    start = client.get("/api/docs/?script=")
    assert start["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in start.content
