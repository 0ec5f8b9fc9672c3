"""Benchmark of the 合并同类项 similarity ranking (issue 16): quality on the evaluation set and time by size.

    python bench/similarity.py            # the report: recall@1, MRR, time at 155, 1,550 and 5,000 proposals
    python bench/similarity.py 1500       # time at one size only

Quality: ``tests/data/merge_eval.json`` (42 labelled pairs, 28 hard negatives, 43 distractors; 155 proposals)
ranked as one cycle with the regions of the test (item i in region i mod 31) and the synonym table of
``catalog/data/synonyms.txt``; the test ``tests/catalog/test_merge_eval.py`` asserts the same figures through the
merge page. Time: synthetic Chinese proposals from 13 regions (the generator below) at each size: the first
ranking (every text segmented by jieba) and a re-ranking with the words remembered, jieba's dictionary loaded
before the clock starts. Run it with DATABASE_URL of a migrated database (the word segmenter reads the Region
table once; without one it retries on every text and the times mean nothing)."""

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

EVAL_FILE = ROOT / "tests" / "data" / "merge_eval.json"
SYNONYMS_FILE = ROOT / "catalog" / "data" / "synonyms.txt"
SIZES = (155, 1550, 5000)
EVAL_REGIONS = 31

REGIONS = [
    "北京市",
    "天津市",
    "河北省",
    "辽宁省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "湖北省",
    "广东省",
    "重庆市",
    "四川省",
    "陕西省",
]
SUBJECTS = [
    "高校",
    "科研院所",
    "新型研发机构",
    "科技型中小企业",
    "龙头企业",
    "国家双创示范基地",
    "技术转移机构",
    "产业创新联合体",
    "孵化器",
    "金融机构",
    "知识产权保护中心",
    "数据交易所",
    "创新型企业",
    "地方政府",
    "科研人员",
    "技术经理人",
    "省实验室",
    "重点实验室",
    "高新区",
    "自贸试验区",
]
ACTIONS = [
    "赋予",
    "探索建立",
    "开展",
    "推行",
    "完善",
    "建设",
    "设立",
    "试点",
    "优化",
    "健全",
    "推动",
    "放宽",
    "创新",
    "改革",
    "深化",
    "实施",
    "构建",
    "培育",
    "规范",
    "简化",
]
OBJECTS = [
    "职务科技成果所有权",
    "长期使用权",
    "尽职免责负面清单",
    "科技成果转化贷款风险补偿",
    "揭榜挂帅项目组织方式",
    "技术总师负责制",
    "科研仪器设备开放共享",
    "人事自主权",
    "编制备案制",
    "薪酬总量单列管理",
    "数据资产登记",
    "数据交易规则",
    "监管沙盒",
    "包容审慎监管",
    "知识产权快速预审",
    "技术经理人职称评审",
    "社会捐赠基础研究",
    "联合基金",
    "首台套保险补偿",
    "创新券",
    "科研经费包干制",
    "项目评审专家库",
    "低碳技术交易",
    "科技保险",
    "概念验证中心",
    "中试熟化平台",
    "跨区域创新飞地",
    "人才评价改革",
    "企业研发准备金",
    "政府采购首购订购",
]
REASONS = [
    "转化动力不足",
    "审批链条过长",
    "融资难融资贵",
    "权属不清",
    "评价导向单一",
    "准入规则缺失",
    "维权周期长成本高",
    "资源分散重复建设",
    "使用效率不高",
    "激励机制不健全",
    "担心国有资产流失",
    "企业需求进入不够",
    "人才引进困难",
    "数据不敢交易",
    "中小企业检测需求无处满足",
]
EFFECTS = [
    "显著提升成果转化效率",
    "降低企业创新成本",
    "形成可复制推广经验",
    "激发科研人员积极性",
    "促进产学研深度融合",
    "缩短审批时限",
    "吸引社会资本投入",
    "提升创新体系整体效能",
]


def proposal(rng: random.Random) -> str:
    subj, act, obj = rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(OBJECTS)
    title = f"{act}{subj}{obj}改革"
    pain = f"{subj}{rng.choice(REASONS)}，{rng.choice(SUBJECTS)}{rng.choice(REASONS)}。"
    content = (
        "".join(
            f"{rng.choice(ACTIONS)}{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}机制，{rng.choice(EFFECTS)}；"
            for _ in range(rng.randint(3, 6))
        )
        + f"到{rng.randint(2027, 2029)}年底{rng.choice(EFFECTS)}，试点单位不少于{rng.randint(5, 50)}家。"
    )
    return f"{title}\n{pain}\n{content}"


def _setup():
    import django

    django.setup()
    from reform_portal import text

    text.terms("预热分词词典")  # jieba's dictionary loads before any clock starts


def _synonyms():
    from catalog.similarity import Synonyms, parse_synonym_lines

    return Synonyms(parse_synonym_lines(SYNONYMS_FILE.read_text(encoding="utf-8").splitlines()))


def eval_docs(data):
    """(key, region, text) of the evaluation set, in the test's order and regions."""
    from catalog.similarity import document

    items = []
    for pair in data["pairs"]:
        items += [(pair["id"] + "a", pair["a"]), (pair["id"] + "b", pair["b"])]
    items += [(n["id"], n) for n in data["hard_negatives"]]
    items += [(f"d{i:02d}", d) for i, d in enumerate(data["distractors"])]
    return [
        (key, i % EVAL_REGIONS, document(it["title"], it["content"], it["pain_points"]))
        for i, (key, it) in enumerate(items)
    ]


def quality(synonyms=None):
    """recall@1, MRR, hard-negative-first share and the lowest labelled-pair cosine on the evaluation set."""
    from catalog.similarity import rank, vectorize

    synonyms = _synonyms() if synonyms is None else synonyms
    data = json.loads(EVAL_FILE.read_text(encoding="utf-8"))
    docs = eval_docs(data)
    ranking = rank(docs, top=5, synonyms=synonyms)
    against = {}
    for neg in data["hard_negatives"]:
        for pid in neg["against"]:
            against.setdefault(pid, set()).add(neg["id"])
    hits = rr = negatives = queries = 0
    for key, _region, _text in docs:
        if not key.startswith("p"):
            continue
        queries += 1
        partner = key[:-1] + ("b" if key[-1] == "a" else "a")
        ranked = [m.key for m in ranking[key]]
        hits += bool(ranked) and ranked[0] == partner
        rr += 1 / (ranked.index(partner) + 1) if partner in ranked else 0
        negatives += bool(ranked) and ranked[0] in against.get(key[:-1], set())
    matrix = vectorize([d[2] for d in docs], synonyms=synonyms)
    lowest = min((matrix[2 * i] @ matrix[2 * i + 1].T).toarray()[0, 0] for i in range(len(data["pairs"])))
    return {
        "proposals": len(docs),
        "queries": queries,
        "recall_at_1": hits / queries,
        "mrr": rr / queries,
        "hard_negative_first": negatives / queries,
        "lowest_partner_score": float(lowest),
    }


def timing(n, synonyms, repeat=3):
    """(cold, warm, linked): the first ranking, every text segmented anew (a new process, or every text
    changed), and the median of ``repeat`` re-rankings with the words remembered (one proposal edited)."""
    from catalog import similarity

    rng = random.Random(484)
    docs = [(i, REGIONS[i % len(REGIONS)], proposal(rng)) for i in range(n)]
    similarity._words.cache_clear()
    start = time.perf_counter()
    ranking = similarity.rank(docs, top=5, synonyms=synonyms)
    cold = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        similarity.rank(docs, top=5, synonyms=synonyms)
        runs.append(time.perf_counter() - start)
    linked = sum(1 for v in ranking.values() if v)
    return cold, statistics.median(runs), linked


def report(sizes=SIZES):
    _setup()
    synonyms = _synonyms()
    q = quality(synonyms)
    print(
        f"evaluation set: {q['proposals']} proposals, {q['queries']} queries: recall@1 {q['recall_at_1']:.3f}, "
        f"MRR {q['mrr']:.3f}, hard negative first {q['hard_negative_first']:.3f}, "
        f"lowest partner score {q['lowest_partner_score']:.3f}"
    )
    times = {}
    for n in sizes:
        cold, warm, linked = timing(n, synonyms, repeat=3 if n <= 1550 else 1)
        times[n] = (cold, warm)
        print(
            f"{n:>5} proposals ranked in {cold:.3f} s cold (every text segmented), {warm:.3f} s warm "
            f"({linked} with a suggestion from another region)"
        )
    return q, times


def main(n=1500):
    _setup()
    cold, warm, linked = timing(n, _synonyms(), repeat=1)
    print(f"{n} proposals ranked in {cold:.3f} s cold, {warm:.3f} s warm; {linked} have a suggestion")
    return cold


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(int(sys.argv[1]))
    else:
        report()
