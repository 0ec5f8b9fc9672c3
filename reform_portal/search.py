"""One search box over what each role may see (DECISIONS §18 search): each stage registers a kind (proposals,
measures, list entries, tasks, outcomes) with the text of an object and the objects a user may see; the kernel
keeps a ``SearchDoc`` per object with its jieba tokens (``text.search_tokens``, plus each character, so a query
word that jieba cuts differently alone, 先赋权 → 先 / 赋权, still finds 先赋权后转化) and answers a query with
the objects that hold every token of every word (AND), grouped by kind, newest year first."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from . import text
from .models import SearchDoc

MAX_PER_KIND = 50


@dataclass(frozen=True)
class SearchKind:
    """``name``: the kind's key; ``label``: shown as the group's heading; ``model``: the indexed model;
    ``text(obj) -> str``, ``title(obj) -> str``, ``year(obj) -> int | None``; ``visible(user) -> QuerySet`` of the
    model (the stage's selector: what the user may see); ``url(obj) -> str``; ``order``: the group's place."""

    name: str
    label: Any
    model: type[models.Model]
    text: Callable[[Any], str]
    title: Callable[[Any], str]
    year: Callable[[Any], int | None]
    visible: Callable[[Any], Any]
    url: Callable[[Any], str]
    order: int = 0
    related: Callable[[Any], Any] | None = None  # queryset tweak for rendering (select_related)


_KINDS: dict[str, SearchKind] = {}


def register_search(kind: SearchKind) -> SearchKind:
    """A stage's searchable kind; its objects are indexed on every save (and dropped on delete). Idempotent."""
    if kind.name not in _KINDS:
        _KINDS[kind.name] = kind
        post_save.connect(_on_save, sender=kind.model, weak=False, dispatch_uid=f"search-save-{kind.name}")
        post_delete.connect(_on_delete, sender=kind.model, weak=False, dispatch_uid=f"search-del-{kind.name}")
    return kind


def kinds() -> list[SearchKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.name))


def _runs(value: str) -> list[str]:
    """The runs of letters and digits of ``value`` (NFKC, lower case): 成果转化率，提高 → [成果转化率, 提高]."""
    runs, run = [], ""
    for ch in unicodedata.normalize("NFKC", value or "").lower():
        if text._is_term(ch) and not ch.isspace():
            run += ch
        elif run:
            runs.append(run)
            run = ""
    return [*runs, run] if run else runs


def _grams(value: str) -> list[str]:
    """Each character and each pair of neighbouring characters of every run (a pair never spans punctuation)."""
    out = []
    for run in _runs(value):
        out += list(run) + [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def column(value: str) -> str:
    """The search column of ``value``: its jieba search tokens, then its characters and neighbouring pairs,
    space-delimited with spaces at both ends (so each is matched whole: ``LIKE '% 赋权 %'``). The pairs find a
    query word that jieba cuts otherwise in the text (转化率 in 成果转化率)."""
    return " " + " ".join(dict.fromkeys([*text.search_tokens(value), *_grams(value)])) + " "


def _token_q(token: str) -> Q:
    """A query token is in the column whole, or (longer than a pair) as all its neighbouring pairs."""
    q = Q(tokens__contains=f" {token} ")
    if len(token) > 2:
        pairs = Q()
        for i in range(len(token) - 1):
            pairs &= Q(tokens__contains=f" {token[i : i + 2]} ")
        q |= pairs
    return q


def query_tokens(query: str) -> list[str]:
    """Every word of the query (split at spaces) as search tokens: each must be in an object's column."""
    out: list[str] = []
    for word in (query or "").split():
        out += text.search_tokens(word)
    return list(dict.fromkeys(out))


def index(kind: SearchKind, obj: Any) -> None:
    SearchDoc.objects.update_or_create(
        kind=kind.name,
        object_id=obj.pk,
        defaults={
            "year": kind.year(obj),
            "title": str(kind.title(obj))[:200],
            "tokens": column(kind.text(obj)),
        },
    )


def _kind_of(sender: type[models.Model]) -> list[SearchKind]:
    return [k for k in _KINDS.values() if k.model is sender]


def _on_save(sender: type[models.Model], instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # fixtures: reindex afterwards (manage.py search_reindex)
        return
    for kind in _kind_of(sender):
        index(kind, instance)


def _on_delete(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    for kind in _kind_of(sender):
        SearchDoc.objects.filter(kind=kind.name, object_id=instance.pk).delete()


def reindex(names: Iterable[str] | None = None) -> int:
    """Rebuild the index of every kind (or of ``names``); returns the number of objects indexed."""
    n = 0
    for kind in kinds():
        if names is not None and kind.name not in names:
            continue
        SearchDoc.objects.filter(kind=kind.name).delete()
        for obj in kind.model._default_manager.all().iterator():
            index(kind, obj)
            n += 1
    return n


@dataclass
class Group:
    kind: SearchKind
    hits: list[dict[str, Any]]
    more: bool


def search(user: Any, query: str) -> list[Group]:
    """The groups of objects ``user`` may see that hold every token of ``query``; empty for an empty query.
    Per kind: one query for the matching documents (newest year first, at most MAX_PER_KIND), one for the
    visible objects among them."""
    tokens = query_tokens(query)
    if not tokens:
        return []
    groups = []
    for kind in kinds():
        docs = SearchDoc.objects.filter(kind=kind.name)
        for token in tokens:
            docs = docs.filter(_token_q(token))
        visible = kind.visible(user)
        ids = list(
            docs.filter(object_id__in=visible.values("pk"))
            .order_by("-year", "-object_id")
            .values_list("object_id", "year")[: MAX_PER_KIND + 1]
        )
        if not ids:
            continue
        objects = kind.model._default_manager.filter(pk__in=[i for i, _y in ids[:MAX_PER_KIND]])
        if kind.related is not None:
            objects = kind.related(objects)
        by_pk = {o.pk: o for o in objects}
        hits = [
            {"title": kind.title(by_pk[i]), "year": year, "url": kind.url(by_pk[i])}
            for i, year in ids[:MAX_PER_KIND]
            if i in by_pk
        ]
        groups.append(Group(kind=kind, hits=hits, more=len(ids) > MAX_PER_KIND))
    return groups
