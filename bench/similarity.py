"""Benchmark of the 合并同类项 similarity ranking: 1,500 synthetic Chinese proposals from 13 regions.

    python bench/similarity.py [N]

Prints the time to rank every proposal against the others (target: well under a second)."""
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from catalog.similarity import rank  # noqa: E402

REGIONS = ["北京市", "天津市", "河北省", "辽宁省", "上海市", "江苏省", "浙江省", "安徽省", "湖北省", "广东省",
           "重庆市", "四川省", "陕西省"]
SUBJECTS = ["高校", "科研院所", "新型研发机构", "科技型中小企业", "龙头企业", "国家双创示范基地", "技术转移机构",
            "产业创新联合体", "孵化器", "金融机构", "知识产权保护中心", "数据交易所", "创新型企业", "地方政府",
            "科研人员", "技术经理人", "省实验室", "重点实验室", "高新区", "自贸试验区"]
ACTIONS = ["赋予", "探索建立", "开展", "推行", "完善", "建设", "设立", "试点", "优化", "健全", "推动", "放宽",
           "创新", "改革", "深化", "实施", "构建", "培育", "规范", "简化"]
OBJECTS = ["职务科技成果所有权", "长期使用权", "尽职免责负面清单", "科技成果转化贷款风险补偿", "揭榜挂帅项目组织方式",
           "技术总师负责制", "科研仪器设备开放共享", "人事自主权", "编制备案制", "薪酬总量单列管理",
           "数据资产登记", "数据交易规则", "监管沙盒", "包容审慎监管", "知识产权快速预审", "技术经理人职称评审",
           "社会捐赠基础研究", "联合基金", "首台套保险补偿", "创新券", "科研经费包干制", "项目评审专家库",
           "低碳技术交易", "科技保险", "概念验证中心", "中试熟化平台", "跨区域创新飞地", "人才评价改革",
           "企业研发准备金", "政府采购首购订购"]
REASONS = ["转化动力不足", "审批链条过长", "融资难融资贵", "权属不清", "评价导向单一", "准入规则缺失",
           "维权周期长成本高", "资源分散重复建设", "使用效率不高", "激励机制不健全", "担心国有资产流失",
           "企业需求进入不够", "人才引进困难", "数据不敢交易", "中小企业检测需求无处满足"]
EFFECTS = ["显著提升成果转化效率", "降低企业创新成本", "形成可复制推广经验", "激发科研人员积极性",
           "促进产学研深度融合", "缩短审批时限", "吸引社会资本投入", "提升创新体系整体效能"]


def proposal(rng: random.Random) -> str:
    subj, act, obj = rng.choice(SUBJECTS), rng.choice(ACTIONS), rng.choice(OBJECTS)
    title = f"{act}{subj}{obj}改革"
    pain = f"{subj}{rng.choice(REASONS)}，{rng.choice(SUBJECTS)}{rng.choice(REASONS)}。"
    content = "".join(
        f"{rng.choice(ACTIONS)}{rng.choice(SUBJECTS)}{rng.choice(OBJECTS)}机制，{rng.choice(EFFECTS)}；"
        for _ in range(rng.randint(3, 6))
    ) + f"到{rng.randint(2027, 2029)}年底{rng.choice(EFFECTS)}，试点单位不少于{rng.randint(5, 50)}家。"
    return f"{title}\n{pain}\n{content}"


def main(n=1500):
    rng = random.Random(484)
    docs = [(i, REGIONS[i % len(REGIONS)], proposal(rng)) for i in range(n)]
    chars = sum(len(d[2]) for d in docs)
    start = time.perf_counter()
    ranking = rank(docs, top=5)
    elapsed = time.perf_counter() - start
    linked = sum(1 for v in ranking.values() if v)
    print(f"{n} proposals ({chars} characters, {chars // n} per proposal) ranked in {elapsed:.3f} s; "
          f"{linked} have a similar proposal from another region")
    return elapsed


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1500)
