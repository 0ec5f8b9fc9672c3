"""Writes reform_portal/data/pdf_glyphs.txt: the code points the 公文 fonts draw, which forms accept.

The fonts are those of the Debian packages in ``text.PDF_FONT_PACKAGES`` (their files from ``dpkg -L``); the
code points are fontconfig's charset of each file (``fc-list``), which is what Pango falls back on when WeasyPrint
looks for a glyph. Run it after changing the packages, commit the file, and install the same packages wherever
the portal runs (Makefile ``OS_PACKAGES``, Dockerfile); ``--check`` fails when an installed font lacks a code
point of the file (a test runs the same check).
"""

import shutil
import subprocess

from django.core.management.base import BaseCommand, CommandError

from reform_portal import text

FONT_SUFFIXES = (".ttf", ".ttc", ".otf")


def package_fonts(package: str) -> list[str]:
    """The font files a Debian package installed (none if it is not installed)."""
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)  # noqa: S603,S607
    if listing.returncode:
        return []
    return sorted(line for line in listing.stdout.split("\n") if line.endswith(FONT_SUFFIXES))


def package_version(package: str) -> str:
    shown = subprocess.run(  # noqa: S603
        ["dpkg-query", "-W", "-f", "${Version}", package],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return shown.stdout.strip() if not shown.returncode else ""


def charset(files: list[str]) -> set[int]:
    """The union of fontconfig's charsets of these font files (every face of a collection)."""
    wanted = set(files)
    listing = subprocess.run(  # noqa: S603
        ["fc-list", "--format", "%{file}\t%{charset}\n"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    points: set[int] = set()
    for line in listing.splitlines():
        path, _tab, spans = line.partition("\t")
        if path not in wanted:
            continue
        for span in spans.split():
            first, _sep, last = span.partition("-")
            points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


def installed_glyphs() -> tuple[set[int], list[str]]:
    """The code points the installed fonts of ``PDF_FONT_PACKAGES`` draw, and the packages that are missing."""
    files, missing = [], []
    for package in text.PDF_FONT_PACKAGES:
        found = package_fonts(package)
        files += found
        if not found:
            missing.append(package)
    return charset(files), missing


def spans_of(points: set[int]) -> list[str]:
    spans: list[list[int]] = []
    for cp in sorted(points):
        if spans and spans[-1][1] == cp - 1:
            spans[-1][1] = cp
        else:
            spans.append([cp, cp])
    return [f"{a:x}" if a == b else f"{a:x}-{b:x}" for a, b in spans]


def file_glyphs() -> set[int]:
    starts, ends = text._glyph_ranges()
    return {cp for a, b in zip(starts, ends, strict=True) for cp in range(a, b + 1)}


class Command(BaseCommand):
    help = (
        "Writes reform_portal/data/pdf_glyphs.txt from the installed 公文 fonts (or --check it against them)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="only compare the file with the installed fonts"
        )

    def handle(self, *args, check=False, **options):
        if not (shutil.which("dpkg") and shutil.which("fc-list")):
            raise CommandError("需要 Debian 的 dpkg 和 fontconfig 的 fc-list。")
        points, missing = installed_glyphs()
        if missing:
            raise CommandError(f"缺少字体软件包：{' '.join(missing)}（apt-get install {' '.join(missing)}）")
        if check:
            lacking = file_glyphs() - points
            if lacking:
                shown = " ".join(f"U+{cp:04X}" for cp in sorted(lacking)[:20])
                raise CommandError(f"已安装的字体缺少 {len(lacking)} 个字符：{shown}")
            self.stdout.write(f"pdf_glyphs.txt: {len(file_glyphs())} 个字符，已安装的字体都能显示。")
            return
        # fontconfig lists a few controls (U+0000, U+000D …) some fonts map; they are never text.
        points = {cp for cp in points if cp >= 0x20 and not 0x7F <= cp <= 0x9F}
        spans = spans_of(points)
        header = [
            "# Code points the PDF (gongwen) fonts draw: fontconfig's charsets of the font files of these Debian packages.",
            "# Read by reform_portal/text.py (what forms accept); made by `manage.py pdf_glyphs`; do not edit.",
            *(f"# {p} {package_version(p)}" for p in text.PDF_FONT_PACKAGES),
            f"# {len(points)} code points in {len(spans)} ranges (hex).",
        ]
        lines, line = [], ""
        for span in spans:
            if len(line) + len(span) + 1 > 100:
                lines.append(line)
                line = ""
            line = f"{line} {span}" if line else span
        lines.append(line)
        text.GLYPHS_FILE.write_text("\n".join(header + lines) + "\n", encoding="ascii")
        text._glyph_ranges.cache_clear()
        self.stdout.write(f"{text.GLYPHS_FILE.name}: {len(points)} 个字符，{len(spans)} 段。")
