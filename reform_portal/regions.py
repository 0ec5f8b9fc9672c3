"""The 31 provincial-level regions of the mainland (GB/T 2260 codes). The notice addresses 13 of them
(loaded by the data migration); ``manage.py load_regions --all`` adds the others when the reform widens."""

ALL_PROVINCES = [
    ("110000", "北京市"),
    ("120000", "天津市"),
    ("130000", "河北省"),
    ("140000", "山西省"),
    ("150000", "内蒙古自治区"),
    ("210000", "辽宁省"),
    ("220000", "吉林省"),
    ("230000", "黑龙江省"),
    ("310000", "上海市"),
    ("320000", "江苏省"),
    ("330000", "浙江省"),
    ("340000", "安徽省"),
    ("350000", "福建省"),
    ("360000", "江西省"),
    ("370000", "山东省"),
    ("410000", "河南省"),
    ("420000", "湖北省"),
    ("430000", "湖南省"),
    ("440000", "广东省"),
    ("450000", "广西壮族自治区"),
    ("460000", "海南省"),
    ("500000", "重庆市"),
    ("510000", "四川省"),
    ("520000", "贵州省"),
    ("530000", "云南省"),
    ("540000", "西藏自治区"),
    ("610000", "陕西省"),
    ("620000", "甘肃省"),
    ("630000", "青海省"),
    ("640000", "宁夏回族自治区"),
    ("650000", "新疆维吾尔自治区"),
]

# The other provincial-level names a document may mention (台湾省, the two special administrative regions) and
# 新疆生产建设兵团, which takes part in national programmes beside the provinces. Not loaded as regions; the word
# segmenter (reform_portal/text.py) keeps them whole, like the names above.
OTHER_PROVINCIAL_NAMES = ["台湾省", "香港特别行政区", "澳门特别行政区", "新疆生产建设兵团"]

# The endings of provincial-level names, longest first: what is left is the short form (内蒙古, 广西, 香港).
_NAME_ENDINGS = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def short_region_name(name: str) -> str:
    """The short form of a provincial-level name: 浙江省 → 浙江, 内蒙古自治区 → 内蒙古, 广西壮族自治区 → 广西,
    新疆维吾尔自治区 → 新疆, 香港特别行政区 → 香港; a name with no such ending (新疆生产建设兵团) stays as it is."""
    for ending in _NAME_ENDINGS:
        if name.endswith(ending) and len(name) - len(ending) >= 2:
            return name[: -len(ending)]
    return name
