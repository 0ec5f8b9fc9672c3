"""The kernel text module: jieba with one user dictionary, the characters forms accept, line-break protection."""

import importlib.util
import io
import os
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from pypdf import PdfReader

from reform_portal import text
from reform_portal.models import Region
from reform_portal.pdf import gongwen_title_lines, render_pdf
from reform_portal.regions import ALL_PROVINCES, OTHER_PROVINCIAL_NAMES, short_region_name

ROOT = Path(django_settings.BASE_DIR)
TITLE = "国家发展改革委 科技部关于下达内蒙古自治区2027年度全面创新改革揭榜任务的通知"


def _title(region):
    return f"国家发展改革委 科技部关于下达{region}2027年度全面创新改革揭榜任务的通知"


# ---- words ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_words_keep_the_issuers_the_region_and_the_reform_terms_whole():
    assert text.words(TITLE) == [
        "国家发展改革委",
        "科技部",
        "关于",
        "下达",
        "内蒙古自治区",
        "2027",
        "年度",
        "全面创新改革",
        "揭榜",
        "任务",
        "的",
        "通知",
    ]


@pytest.mark.django_db
def test_words_of_reform_vocabulary_and_short_region_names():
    assert text.words(
        "支持内蒙古、广西、宁夏、新疆建立技术经理人队伍，推行揭榜挂帅、经费包干制和概念验证"
    ) == [
        "支持",
        "内蒙古",
        "、",
        "广西",
        "、",
        "宁夏",
        "、",
        "新疆",
        "建立",
        "技术经理人",
        "队伍",
        "，",
        "推行",
        "揭榜挂帅",
        "、",
        "经费包干制",
        "和",
        "概念验证",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "term",
    [
        "职务科技成果",
        "揭榜挂帅",
        "技术经理人",
        "概念验证",
        "首台套",
        "包干制",
        "科技成果转化",
        "双创示范基地",
    ],
)
def test_each_reform_term_is_one_word(term):
    assert text.words(term) == [term]


def test_the_vocabulary_file_has_a_few_hundred_distinct_terms():
    terms = text.reform_terms()
    assert len(terms) == 343
    assert len(set(terms)) == len(terms)
    assert {"职务科技成果", "揭榜挂帅", "技术经理人", "概念验证", "首台套", "包干制"} <= set(terms)
    assert {"科技成果转化", "双创示范基地", "发展改革委", "科技厅"} <= set(terms)


def test_short_region_names():
    assert [short_region_name(n) for n in ("浙江省", "北京市", "内蒙古自治区", "广西壮族自治区")] == [
        "浙江",
        "北京",
        "内蒙古",
        "广西",
    ]
    assert [
        short_region_name(n) for n in ("宁夏回族自治区", "新疆维吾尔自治区", "西藏自治区", "香港特别行政区")
    ] == [
        "宁夏",
        "新疆",
        "西藏",
        "香港",
    ]
    assert short_region_name("新疆生产建设兵团") == "新疆生产建设兵团"
    assert short_region_name("黑龙江省") == "黑龙江"


def test_the_dictionary_holds_every_provincial_level_name_and_its_short_form():
    names = [n for _code, n in ALL_PROVINCES] + OTHER_PROVINCIAL_NAMES
    assert len(names) == 35
    assert set(names) | {short_region_name(n) for n in names} <= text.builtin_words()
    assert {"内蒙古自治区", "内蒙古", "香港特别行政区", "香港", "新疆生产建设兵团"} <= text.builtin_words()


@pytest.mark.django_db
def test_terms_are_normalised_for_comparing_texts():
    assert text.terms("ＡＩ赋能，５Ｇ应用！COVID-19疫情防控") == [
        "ai",
        "赋能",
        "5g",
        "应用",
        "covid",
        "19",
        "疫情",
        "防控",
    ]
    assert text.tokenizer() is text.terms
    assert pickle.loads(pickle.dumps(text.tokenizer()))("揭榜挂帅") == ["揭榜挂帅"]  # noqa: S301 (our own bytes)


@pytest.mark.django_db
def test_search_tokens_hold_long_words_and_the_words_inside_them_once():
    assert text.search_tokens("开展职务科技成果赋权改革，先赋权后转化；赋权！") == [
        "开展",
        "职务",
        "科技",
        "成果",
        "职务科技成果",
        "赋权",
        "改革",
        "赋权改革",
        "转化",
        "先赋权后转化",
    ]
    assert text.search_tokens("  Ｗｅｂ 平台 ") == ["web", "平台"]
    assert text.search_tokens("") == []


@pytest.mark.django_db
def test_one_tokenizer_per_process():
    text.prepare()
    first = text._segmenter().jieba
    text.words("全面创新改革")
    assert text._segmenter().jieba is first


def test_words_without_a_database_use_the_built_in_place_names():
    # No django_db mark: the Region table cannot be read here, the built-in names still hold.
    assert text.protect(_title("宁夏回族自治区"))[5] == "宁夏回族自治区"


def test_first_use_prints_nothing_and_caches_outside_site_packages(tmp_path):
    """A fresh process: the first call initialises jieba once, prints only what the caller prints, and jieba's
    cache goes to PORTAL_TEXT_CACHE_DIR (never into site-packages)."""
    package_dir = Path(importlib.util.find_spec("jieba").origin).parent
    before = sorted(p.name for p in package_dir.iterdir())
    script = (
        "import django, time; django.setup()\n"
        "from reform_portal import text\n"
        "t = time.perf_counter(); text.words('初始化'); first = time.perf_counter() - t\n"
        "print('/'.join(text.words('揭榜挂帅和包干制')))\n"
        "import sys; print(f'{first:.3f}', file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PORTAL_TEXT_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout == "揭榜挂帅/和/包干制\n"
    assert re.fullmatch(r"\d+\.\d{3}\n", done.stderr)  # nothing but the script's own timing line
    assert [p.name for p in (tmp_path / "cache" / "jieba").iterdir()] == ["jieba.cache"]
    assert sorted(p.name for p in package_dir.iterdir()) == before


def test_cache_dir_is_private(settings, tmp_path):
    settings.PORTAL_TEXT_CACHE_DIR = str(tmp_path / "own")
    assert text.cache_dir() == tmp_path / "own" / "jieba"
    assert (tmp_path / "own" / "jieba").stat().st_mode & 0o777 == 0o700
    shared = tmp_path / "shared"
    (shared / "jieba").mkdir(parents=True)
    shared.chmod(0o777)
    settings.PORTAL_TEXT_CACHE_DIR = str(shared)
    assert text.cache_dir() is None  # someone else could plant a marshal file there: no cache is kept


def test_without_a_private_cache_dir_jieba_still_starts_and_leaves_nothing(settings, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    settings.PORTAL_TEXT_CACHE_DIR = str(shared)
    before = set(Path(tempfile.gettempdir()).glob("reform-portal-jieba-*"))
    tokenizer = text._new_jieba()
    assert list(tokenizer.cut("全面创新改革")) == [
        "全面",
        "创新",
        "改革",
    ]  # jieba's own dictionary, no user words
    assert [p.name for p in shared.iterdir()] == ["jieba"]
    assert list((shared / "jieba").iterdir()) == []
    assert set(Path(tempfile.gettempdir()).glob("reform-portal-jieba-*")) == before


# ---- the dictionary follows the Region table ----------------------------------------------------------------

NEW_REGION = "横琴粤澳深度合作区"  # not a word jieba knows: 横琴/粤澳/深度/合作/区
RENAMED = "前海深港现代服务业合作区"


def _sentence(name):
    return f"关于支持{name}先行先试的通知"


@pytest.mark.django_db
def test_a_region_added_renamed_and_deleted_changes_the_dictionary_at_once():
    text.prepare()
    assert text.protect(_sentence(NEW_REGION)) == [
        "关于",
        "支持",
        "横琴",
        "粤澳",
        "深度",
        "合作",
        "区",
        "先行先试",
        "的",
        "通知",
    ]

    region = Region.objects.create(code="990001", name=NEW_REGION)
    assert text.protect(_sentence(NEW_REGION)) == ["关于", "支持", NEW_REGION, "先行先试", "的", "通知"]
    assert NEW_REGION in text.user_words()

    region.name = RENAMED
    region.save()
    assert text.protect(_sentence(RENAMED)) == ["关于", "支持", RENAMED, "先行先试", "的", "通知"]
    assert text.protect(_sentence(NEW_REGION)) == [
        "关于",
        "支持",
        "横琴",
        "粤澳",
        "深度",
        "合作",
        "区",
        "先行先试",
        "的",
        "通知",
    ]
    assert NEW_REGION not in text.user_words()

    region.delete()
    assert RENAMED not in text.user_words()
    assert len(text.words(RENAMED)) > 1


@pytest.mark.django_db
def test_a_region_renamed_by_another_process_is_followed_through_the_cache(settings):
    settings.PORTAL_TEXT_DICTIONARY_RECHECK = 0
    region = Region.objects.create(code="990002", name=NEW_REGION)
    assert text.protect(_sentence(NEW_REGION))[2] == NEW_REGION
    # Another process renames it: no signal here, only its committed change and the cache version it sets.
    Region.objects.filter(pk=region.pk).update(name=RENAMED)
    assert text.protect(_sentence(RENAMED))[2] != RENAMED  # this process has not been told yet
    cache.set(text.VERSION_KEY, "set-by-another-process")
    assert text.protect(_sentence(RENAMED))[2] == RENAMED
    assert NEW_REGION not in text.user_words()
    region.delete()


@pytest.mark.django_db(transaction=True)
def test_a_committed_region_change_bumps_the_version_for_the_other_processes():
    cache.delete(text.VERSION_KEY)
    region = Region.objects.create(code="990003", name=NEW_REGION)
    first = cache.get(text.VERSION_KEY)
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    region.delete()
    assert cache.get(text.VERSION_KEY) not in (None, first)


# ---- characters ----------------------------------------------------------------------------------------------


def test_normalize_removes_invisible_and_control_characters():
    pasted = "李\x00四\x0b\x1f\x7f\x85\u200b\u200d\u200e\u202e\u2066\u2060\ufeff\u00ad科\ufe0f技\U000e0100厅"
    assert text.normalize(pasted) == "李四科技厅"
    assert (
        text.normalize("第一段\u2028第二段\u2029第三段\r\n\t第四段") == "第一段\n第二段\n第三段\r\n\t第四段"
    )
    assert text.normalize("名称\t简称\u2028", multiline=False) == "名称 简称 "


ACCEPTED = [
    "浙江省全面创新改革举措建议书",
    "ABC abc 0123456789 .,;:!?()[]{}<>@#%&*+-=/\\|~^_'\"`$",
    "，。、；：？！（）《》〔〕【】“”‘’…—·",
    "ＡＢＣ１２３（）",  # full-width forms
    "㐀䶮",  # Ext-A
    "𠮷𡈽𪚥",  # Ext-B (𪚥 only in Hanazono)
    "𫖮𫟦𬌗𬳵\U0002ceb0",  # Ext-C, D, E, F
    "😀🙂👍🚀❤☺",  # emoji in Symbola's outline
    "①②⑳㉑〇ⅫⅣ℃№※★✓€éßαβЖ",
    "第一行\n第二行\r\n\t缩进",
    "\u3000\u3000首行缩进",
]


@pytest.mark.parametrize("value", ACCEPTED)
def test_accepted_text(value):
    assert text.refusals(value) == []
    assert text.clean_text(value) == value


@pytest.mark.parametrize(
    ("value", "messages"),
    [
        (
            "改革\ue000试点",
            ["“\ue000”（U+E000）是私用区字符，公文和其他电脑上无法正确显示，请删除或改用文字。"],
        ),
        (
            "\U000f0001",
            ["“\U000f0001”（U+F0001）是私用区字符，公文和其他电脑上无法正确显示，请删除或改用文字。"],
        ),
        ("新表情🫨", ["“🫨”（U+1FAE8）无法在公文中显示，请删除或改用文字。"]),  # newer than Symbola
        (
            "\U0002ebf0",
            ["“\U0002ebf0”（U+2EBF0）无法在公文中显示，请删除或改用文字。"],
        ),  # Ext-I: no Debian font
        ("\U0003fffd", ["“\U0003fffd”（U+3FFFD）无法在公文中显示，请删除或改用文字。"]),  # unassigned
        ("\U00012000", ["“\U00012000”（U+12000）无法在公文中显示，请删除或改用文字。"]),  # cuneiform
        ("乱码\ufffd", ["“�”（U+FFFD）是乱码替换符，原文可能在复制或转换时已损坏，请核对后重新输入。"]),
        ("\u0600", ["含有不可见的控制字符（U+0600），公文中无法显示，请删除。"]),
        ("\ufff9", ["含有不可见的控制字符（U+FFF9），公文中无法显示，请删除。"]),
        ("\ud800", ["含有无效的字符编码（U+D800），请重新输入。"]),
    ],
)
def test_refused_characters_are_named(value, messages):
    assert text.problems(value) == messages
    with pytest.raises(ValidationError) as refused:
        text.clean_text(value)
    assert refused.value.messages == messages


@pytest.mark.parametrize(("value", "code"), [("\u200b", "U+200B"), ("\x00", "U+0000"), ("\u2028", "U+2028")])
def test_the_validator_alone_refuses_what_normalize_would_remove(value, code):
    """An API that skips ``normalize`` still cannot store an invisible character: the validator names it."""
    assert text.problems(value) == [f"含有不可见的控制字符（{code}），公文中无法显示，请删除。"]
    assert text.clean_text(f"改革{value}试点") == ("改革\n试点" if value == "\u2028" else "改革试点")


def test_more_than_three_characters_are_counted():
    assert text.problems("\ue000🫨\ue000\U0002ebf0\U0002ebf1\U0002ebf2，\ue001") == [
        "“\ue000”（U+E000）是私用区字符，公文和其他电脑上无法正确显示，请删除或改用文字。",
        "“🫨”（U+1FAE8）无法在公文中显示，请删除或改用文字。",
        "“\U0002ebf0”（U+2EBF0）无法在公文中显示，请删除或改用文字。",
        "另有3个字符无法使用，请一并删除或改用文字。",
    ]


def test_a_one_line_field_refuses_line_breaks():
    assert text.problems("第一行\n第二行", multiline=False) == ["此项只能填写一行，请删除换行。"]
    assert text.problems("第一行\r第二行", multiline=False) == ["此项只能填写一行，请删除换行。"]
    assert text.problems("第一行\n第二行") == []
    assert text.clean_text("名称\u2028续", multiline=False) == "名称 续"


def test_the_validator():
    validator = text.TextValidator(multiline=False)
    validator("揭榜挂帅😀")
    with pytest.raises(ValidationError) as refused:
        validator("揭榜\n挂帅🫨")
    assert refused.value.messages == [
        "此项只能填写一行，请删除换行。",
        "“🫨”（U+1FAE8）无法在公文中显示，请删除或改用文字。",
    ]
    assert [e.code for e in refused.value.error_list] == ["line_break", "unprintable"]
    assert validator == text.TextValidator(multiline=False) != text.TextValidator()
    assert validator.deconstruct() == ("reform_portal.text.TextValidator", (), {"multiline": False})


def test_every_accepted_code_point_is_drawn_by_the_installed_fonts():
    """data/pdf_glyphs.txt against the fonts installed here (fontconfig's charsets of PDF_FONT_PACKAGES):
    a code point the forms accept that no installed font draws would print as a box and spoil the text layer."""
    out = io.StringIO()
    call_command("pdf_glyphs", "--check", stdout=out)
    assert out.getvalue() == "pdf_glyphs.txt: 125561 个字符，已安装的字体都能显示。\n"


def test_the_font_packages_are_installed_everywhere():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    listed = (
        re.search(r"^OS_PACKAGES := ((?:.*\\\n)*.*)$", makefile, re.M).group(1).replace("\\\n", " ").split()
    )
    for package in text.PDF_FONT_PACKAGES:
        assert package in listed
        assert re.search(rf"\b{package}\b", dockerfile)
    assert "fonts-noto-color-emoji" not in makefile + dockerfile


def test_accepted_rare_characters_and_emoji_render_with_an_extractable_text_layer():
    """What the forms accept prints as text: every sample above in one PDF, read back by pdfplumber and pypdf."""
    samples = [s for s in ACCEPTED if not any(c in s for c in "\n\t\u3000")]
    pdf = render_pdf("pdf/gongwen_base.html", {"title": "字符测试", "paragraphs": samples})
    expected = re.sub(r"\s+", "", "".join(samples))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        plumbed = re.sub(r"\s+", "", "".join(page.extract_text() for page in document.pages))
    pypdf_text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    assert plumbed.startswith("字符测试" + expected)
    assert pypdf_text.startswith("字符测试" + expected)


# ---- line breaks ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_protect_and_break_points_of_a_title():
    assert text.protect(TITLE) == [
        "国家发展改革委",
        " ",
        "科技部",
        "关于",
        "下达",
        "内蒙古自治区",
        "2027年度",
        "全面创新改革",
        "揭榜",
        "任务",
        "的",
        "通知",
    ]
    assert text.break_points(TITLE) == [7, 8, 11, 13, 15, 21, 27, 33, 35, 37, 38]
    assert text.break_points("") == []
    assert text.break_points("通知") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "pieces"),
    [
        ("发改高技〔2027〕12号", ["发改", "高技", "〔2027〕12号"]),
        (
            "《2027年度全面改革创新举措清单》的通知",
            ["《2027年度", "全面改革创新", "举措清单》", "的", "通知"],
        ),
        ("ＡＩ赋能，５Ｇ应用", ["ＡＩ", "赋能，", "５Ｇ", "应用"]),
        (
            "参见https://www.ndrc.gov.cn/xxgk/zcfb/tz/202107/t20210721.html。",
            ["参见", "https://www.ndrc.gov.cn/xxgk/zcfb/tz/202107/t20210721.html。"],
        ),
        ("共3项——含12个", ["共", "3项——", "含", "12个"]),
        ("北京市、上海市  和 浙江省", ["北京市、", "上海市", "  ", "和", " ", "浙江省"]),
    ],
)
def test_protect_keeps_numbers_units_latin_runs_and_punctuation_together(value, pieces):
    assert text.protect(value) == pieces
    assert "".join(pieces) == value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("region", "lines"),
    [
        (
            "内蒙古自治区",
            ["国家发展改革委 科技部", "关于下达内蒙古自治区2027年度", "全面创新改革揭榜任务的通知"],
        ),
        (
            "广西壮族自治区",
            ["国家发展改革委 科技部", "关于下达广西壮族自治区2027年度", "全面创新改革揭榜任务的通知"],
        ),
        (
            "宁夏回族自治区",
            ["国家发展改革委 科技部", "关于下达宁夏回族自治区2027年度", "全面创新改革揭榜任务的通知"],
        ),
        (
            "新疆维吾尔自治区",
            ["国家发展改革委 科技部", "关于下达新疆维吾尔自治区", "2027年度全面创新改革揭榜任务的通知"],
        ),
        (
            "香港特别行政区",
            ["国家发展改革委 科技部", "关于下达香港特别行政区2027年度", "全面创新改革揭榜任务的通知"],
        ),
        (
            "新疆生产建设兵团",
            ["国家发展改革委 科技部", "关于下达新疆生产建设兵团", "2027年度全面创新改革揭榜任务的通知"],
        ),
        ("西藏自治区", ["国家发展改革委 科技部关于下达西藏自治区", "2027年度全面创新改革揭榜任务的通知"]),
    ],
)
def test_title_lines_never_break_inside_the_region_name(region, lines):
    assert gongwen_title_lines(_title(region)) == lines


@pytest.mark.django_db
def test_no_title_of_any_region_breaks_inside_its_name_or_its_year():
    for name in [n for _code, n in ALL_PROVINCES] + OTHER_PROVINCIAL_NAMES:
        lines = gongwen_title_lines(_title(name))
        assert "".join(lines).replace(" ", "") == _title(name).replace(" ", "")  # nothing lost
        assert any(name in line for line in lines), lines
        assert any("2027年度" in line for line in lines), lines
        assert all(len(line.replace("2027", "20")) <= 20 for line in lines), lines  # digits are half-width


@pytest.mark.django_db
def test_other_titles_break_between_words():
    assert gongwen_title_lines(
        "国家发展改革委办公厅 科技部办公厅关于开展全面创新改革试验区第三方评估工作的通知"
    ) == [
        "国家发展改革委办公厅 科技部办公厅",
        "关于开展全面创新改革试验区",
        "第三方评估工作的通知",
    ]
