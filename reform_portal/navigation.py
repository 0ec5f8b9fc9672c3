"""Links the stage apps put in the header (per role) and on the public home page.

The kernel names no stage: each stage app registers its links from ``AppConfig.ready``, and the layout
(``templates/base.html``, ``reform_portal/home.html``) shows what is registered, in ``order``."""

from dataclasses import dataclass

from django.urls import reverse

from .enums import Role


@dataclass(frozen=True)
class Link:
    label: str  # lazily translated
    url_name: str
    order: int
    testid: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_NAV: dict[str, list[Link]] = {}
_PUBLIC: list[Link] = []


def register_nav(role: Role, label: str, url_name: str, *, order: int, testid: str = "") -> None:
    """A header link for users whose primary role is ``role``."""
    links = _NAV.setdefault(str(role), [])
    if all(link.url_name != url_name for link in links):
        links.append(Link(label, url_name, order, testid))
        links.sort(key=lambda link: link.order)


def register_public_link(label: str, url_name: str, *, order: int, testid: str = "") -> None:
    """A link on the public home page (published lists, outcomes)."""
    if all(link.url_name != url_name for link in _PUBLIC):
        _PUBLIC.append(Link(label, url_name, order, testid))
        _PUBLIC.sort(key=lambda link: link.order)


def nav_for(user) -> list[Link]:
    role = user.primary_role if user is not None and user.is_authenticated else None
    return list(_NAV.get(str(role), [])) if role else []


def public_links() -> list[Link]:
    return list(_PUBLIC)


# ---- the public archive: every year's published documents (DECISIONS §14: several years alive at once) ----


@dataclass(frozen=True)
class ArchiveLink:
    """One published thing of one year on the public archive page (a list version, the year's outcomes)."""

    year: int
    label: str
    url: str
    order: int = 0
    note: str = ""
    testid: str = ""


_ARCHIVE: list = []


def register_archive(func):
    """``func() -> iterable of ArchiveLink``: what a stage has published, every year (a few queries, none per
    link). Usable as a decorator; idempotent."""
    if func not in _ARCHIVE:
        _ARCHIVE.append(func)
    return func


def archive() -> list[tuple[int, list[ArchiveLink]]]:
    """(year, links) for every year with something published, the latest year first."""
    by_year: dict[int, list[ArchiveLink]] = {}
    for func in _ARCHIVE:
        for link in func():
            by_year.setdefault(link.year, []).append(link)
    return [
        (year, sorted(links, key=lambda link: (link.order, link.label)))
        for year, links in sorted(by_year.items(), reverse=True)
    ]
