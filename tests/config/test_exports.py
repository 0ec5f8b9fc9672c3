"""Every export in the URL conf writes hostile user text as text (issue 17 §2).

The exports are *found*, not listed: every GET URL of the permission matrix (tests/config/test_urls.py, which
itself must cover every named URL) is requested as each actor allowed to use it, on the matrix's world with every
free-text field of every stage's rows (and the regions', organisations' and cycles' names) overwritten with
formula-like text; each response with a spreadsheet content type is an export. A new export is covered without
touching this file. In every XLSX no cell is a formula and every cell holding text we wrote reads back exactly as
stored (no visible apostrophe); in every CSV such a field starts with the apostrophe and then the text."""

import csv
import io
import itertools

import pytest
from django.apps import apps
from django.db import models, transaction
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from reform_portal.exports import SPREADSHEET_CONTENT_TYPES, is_formula_like

from .. import factories as f
from .test_urls import ANON, MATRIX, build_world

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
]
STAGE_APPS = ("proposals", "catalog", "bidding", "evaluation")
KERNEL_TEXT = {"reform_portal.region": ["name"], "reform_portal.organization": ["name", "short_name"]}
KERNEL_TEXT["reform_portal.reformcycle"] = ["title"]
# Not free text: identifiers and digests the code parses or looks up.
NOT_TEXT = {"number", "doc_number", "sha256", "pdf_sha256", "code", "key", "url"}
# The exports the portal had when this test was written: discovery must find at least these.
KNOWN_EXPORTS = {
    "catalog:public_xlsx",
    "bidding:matrix_xlsx",
    "evaluation:task_export",
    "evaluation:results_export",
}


def _text_fields(model):
    label = model._meta.label_lower
    if label in KERNEL_TEXT:
        return [model._meta.get_field(name) for name in KERNEL_TEXT[label]]
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not isinstance(field, models.EmailField | models.URLField | models.SlugField)
        and not field.choices
        and field.name not in NOT_TEXT
    ]


def poison(world):
    """Overwrite every free-text field of every row with formula-like text (unique per row and field, within
    the field's max_length); returns the values written."""
    written = set()
    leads = itertools.cycle(HOSTILE)
    targets = [m for app in STAGE_APPS for m in apps.get_app_config(app).get_models()]
    targets += [apps.get_model(label) for label in KERNEL_TEXT]
    for model in targets:
        if model.__name__.startswith("Historical"):
            continue
        fields = _text_fields(model)
        for pk in model._default_manager.order_by("pk").values_list("pk", flat=True):
            values = {}
            for field in fields:
                tag = f"·{model.__name__[:3]}{pk}{field.name[:2]}"  # unique, kept within max_length
                text = next(leads)
                if field.max_length:
                    text = text[: max(2, field.max_length - len(tag))]
                values[field.name] = (text + tag)[: field.max_length or None]
            if values:
                model._default_manager.filter(pk=pk).update(**values)
                written.update(values.values())
    return written


@pytest.fixture(scope="module")
def hostile_world(django_db_setup, django_db_blocker, tmp_path_factory):
    from config.celery import app

    media = tmp_path_factory.mktemp("exports-media")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
        ),
    ):
        with transaction.atomic():
            world = build_world()
            written = poison(world)
            yield world, written, _exports(world)
            transaction.set_rollback(True)
    app.conf.task_always_eager = eager


def _exports(world):
    """(url name, actor) → response, for every GET URL whose answer is a spreadsheet."""
    found = {}
    for name, access in sorted(MATRIX.items()):
        if access.method != "get":
            continue
        for actor in sorted(access.allowed):
            with transaction.atomic():  # a URL's prepare() step changes the world: undone after it
                if access.prepare:
                    access.prepare(world)
                client = Client()
                if actor != ANON:
                    client.force_login(world["users"][actor])
                response = client.get(reverse(name, kwargs=access.kwargs(world)))
                transaction.set_rollback(True)
            if response.get("Content-Type", "").startswith(SPREADSHEET_CONTENT_TYPES):
                found[(name, actor)] = response
            else:
                f.close_file(response)
    return found


def test_every_export_is_found(hostile_world):
    _world, _written, found = hostile_world
    assert KNOWN_EXPORTS <= {name for name, _actor in found}


def _xlsx_cells(response):
    book = load_workbook(io.BytesIO(response.content))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            yield from row


def _contains_written(text, written):
    return [w for w in written if w in text]


@pytest.mark.parametrize("name", sorted(KNOWN_EXPORTS))
def test_known_exports_carry_hostile_text(hostile_world, name):
    """The poisoning reaches each export (so the check below is not vacuous)."""
    _world, written, found = hostile_world
    responses = [r for (n, _a), r in found.items() if n == name]
    assert responses
    for response in responses:
        if response["Content-Type"].startswith("text/csv"):
            text = response.content.decode("utf-8-sig")
        else:
            text = "\n".join(str(c.value) for c in _xlsx_cells(response) if c.data_type == "s")
        assert _contains_written(text, written), name


def test_no_export_cell_is_a_formula_and_text_reads_back_exactly(hostile_world):
    _world, written, found = hostile_world
    leads_seen = set()
    problems = []
    for (name, actor), response in sorted(found.items()):
        if response["Content-Type"].startswith("text/csv"):
            rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
            for field in itertools.chain.from_iterable(rows):
                if field.startswith("'") and field[1:] in written:
                    leads_seen.add(field[1:2])
                elif is_formula_like(field):
                    problems.append(f"{name} as {actor}: CSV field {field!r} starts like a formula")
            continue
        for cell in _xlsx_cells(response):
            where = f"{name} as {actor}: {cell.parent.title}!{cell.coordinate}"
            if cell.data_type == "f":
                problems.append(f"{where} is a formula: {cell.value!r}")
                continue
            if not isinstance(cell.value, str):
                continue
            ours = _contains_written(cell.value, written)
            if is_formula_like(cell.value):
                if not any(cell.value.startswith(w) for w in ours):
                    problems.append(
                        f"{where} starts like a formula but not with our text as typed: {cell.value!r}"
                    )
                leads_seen.add(cell.value[:1])
            for w in ours:
                if f"'{w}" in cell.value:
                    problems.append(f"{where} shows an apostrophe before the text: {cell.value!r}")
    assert problems == []
    assert leads_seen == {text[:1] for text in HOSTILE}  # every kind of lead character reached a cell
