"""The texts and figures of the example reports (invented agencies' reports; see README.md).

A report is a list of blocks: paragraphs, and "@active", "@requests", "@appeals" where its three
tables stand. Table figures are given here; `make_examples.py` computes every total from them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Report:
    """One example report: file name, template version, text blocks and table figures."""

    file: str
    version: str  # "2019" | "2021"
    blocks: list[str]
    active: dict[str, list]  # row -> its columns in template order
    requests: dict[str, list]  # row -> the six applicant columns; rows not named are blank
    appeals: dict[str, list[int]]  # group -> upheld, corrected, other, pending (total computed)
    zeros: bool = True  # False: cells with nothing to count are left blank, as many reports do
    page: str = ""  # for .html: the site page around the report ({title}, {article})


TUNXI = Report(
    file="tunxi_agriculture_2020.txt",
    version="2019",
    zeros=False,
    blocks=[
        "黄山市屯溪区农业农村局2020年政府信息公开工作年度报告",
        "（2021年1月22日）",
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
        "关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2019〕60号）要求编制。"
        "本报告所列数据的统计期限为2020年1月1日至2020年12月31日。本报告电子版可在屯溪区人民政府网站"
        "（http://www.tunxi.example.gov.cn/）下载。如对本报告有疑问，请与黄山市屯溪区农业农村局办公室联系"
        "（地址：黄山市屯溪区新安北路88号，邮编：245000，电话：0559-2512368，电子邮箱：txnyj_gk@example.com）。",
        "一、总体情况",
        "2020年，屯溪区农业农村局在区委、区政府的领导下，在区政务公开办公室的指导下，坚持以公开为常态、"
        "不公开为例外，围绕脱贫攻坚、乡村振兴和农产品质量安全等群众关注的领域，扎实推进政府信息公开工作。",
        "（一）主动公开。全年在区政府网站本局信息公开专栏主动公开政府信息326条，其中政策文件12件、"
        "工作动态148条、财政预决算信息6条、惠农补贴信息41条；通过“屯溪农业”微信公众号发布信息94条，"
        "累计阅读2.6万人次。",
        "（二）依申请公开。全年共收到政府信息公开申请9件，上年结转1件。办结9件，其中予以公开4件，"
        "部分公开1件，不予公开1件，无法提供3件；结转下年度继续办理1件。所有申请均在法定期限内答复。",
        "（三）政府信息管理。落实信息发布“三审三校”制度，全年审查拟公开信息341条；本年新制作并公开"
        "规范性文件2件，对本局对外公开的9件规范性文件逐件核对，做到应公开尽公开。",
        "（四）平台建设。完成本局信息公开专栏的栏目调整，新增“惠农补贴”“动植物防疫”2个专题栏目；"
        "依托12345政务服务便民热线和区长信箱，全年答复群众咨询217件。",
        "（五）监督保障。调整本局政务公开工作领导小组，由办公室1名专职人员负责日常工作；举办政务公开"
        "业务培训2期，培训65人次；接受区政务公开办公室季度检查4次，发现的问题均已整改。",
        "二、主动公开政府信息情况",
        "@active",
        "三、收到和处理政府信息公开申请情况",
        "@requests",
        "四、政府信息公开行政复议、行政诉讼情况",
        "@appeals",
        "五、存在的主要问题及改进情况",
        "2020年本局政府信息公开工作仍有不足：一是部分股室信息报送不够及时；二是政策解读形式较为单一，"
        "图文、视频解读偏少；三是依申请公开答复的规范化水平有待提高。",
        "2021年，本局将健全信息发布协调机制，把信息报送情况纳入股室年度考核；丰富解读形式，全年发布图解、"
        "视频等解读材料不少于10件；于2021年6月前组织依申请公开专题培训1次，进一步提升答复质量。",
        "六、其他需要报告的事项",
        "本年度本局未收取政府信息公开信息处理费，无其他需要报告的事项。",
    ],
    active={
        "regulations": [0, 0, 0],
        "normative_documents": [2, 2, 9],
        "licensing": [15, 2, 486],
        "other_services": [8, -1, 1213],
        "penalty": [31, 0, 57],
        "coercion": [5, 0, 3],
        "fees": [2, 0],
        "procurement": [6, 128.56],
    },
    requests={
        "new": [7, 2, None, None, None, None],
        "carried_over": [1, None, None, None, None, None],
        "granted": [3, 1, None, None, None, None],
        "partly_granted": [1, None, None, None, None, None],
        "withheld_third_party": [1, None, None, None, None, None],
        "unable_not_held": [2, 1, None, None, None, None],
    },
    appeals={
        "review": [1, 0, 0, 0],
        "litigation_direct": [0, 0, 0, 1],
        "litigation_after_review": [0, 0, 0, 0],
    },
)

YUFENG = Report(
    file="yufeng_health_2022.html",
    version="2021",
    blocks=[
        "柳州市鱼峰区卫生健康局2022年政府信息公开工作年度报告",
        "本报告根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于印发"
        "〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）编制，"
        "所列数据的统计期限为2022年1月1日至12月31日。如对本报告有疑问，请与柳州市鱼峰区卫生健康局办公室联系，"
        "地址：柳州市鱼峰区箭盘路16号，邮编：545005，联系电话：0772-3125506，电子邮箱：yfwjj@example.com。",
        "一、总体情况",
        "2022年，鱼峰区卫生健康局认真落实区委、区政府关于政务公开工作的部署，以疫情防控、医疗服务和公共卫生"
        "信息为重点，持续提升政府信息公开的质量和实效。",
        "（一）主动公开。全年主动公开政府信息412条，其中疫情防控信息186条、医疗卫生机构执业信息53条；"
        "在“双公示”专栏公示行政许可决定1342件、行政处罚决定86件。",
        "（二）依申请公开。全年新收政府信息公开申请20件，上年结转2件，办结21件，结转下年度继续办理1件。"
        "办结的申请中，予以公开9件，部分公开3件，不予公开1件，无法提供6件，不予处理2件。",
        "（三）政府信息管理。本年制发行政规范性文件1件，废止2件，现行有效6件，均已在区政府门户网站集中公开。",
        "（四）平台建设。“鱼峰卫健”微信公众号全年发布信息237条，开设“健康科普”“就医指南”专栏，"
        "与柳州市卫生健康委员会网站保持信息同步更新。",
        "（五）监督保障。举办政务公开业务培训3期，培训120人次；将政务公开工作纳入对局属单位的年度绩效考核。",
        "二、主动公开政府信息情况",
        "@active",
        "三、收到和处理政府信息公开申请情况",
        "@requests",
        "四、政府信息公开行政复议、行政诉讼情况",
        "@appeals",
        "五、存在的主要问题及改进情况",
        "一是部分基层医疗卫生机构信息更新不够及时；二是依申请公开答复文书的说理性有待加强。2023年，本局将"
        "建立信息更新月通报制度，每季度开展1次答复文书评查，持续提升政务公开工作水平。",
        "六、其他需要报告的事项",
        "本年度本机关未收取信息处理费。2022年本局办理人大代表建议15件、政协提案12件，均已按期办结，"
        "答复摘要已在区政府门户网站公开。",
    ],
    active={
        "regulations": [0, 0, 0],
        "normative_documents": [1, 2, 6],
        "licensing": [1342],
        "penalty": [86],
        "coercion": [4],
        "fees": [0],
    },
    requests={
        "new": [15, 3, 0, 1, 1, 0],
        "carried_over": [2, 0, 0, 0, 0, 0],
        "granted": [6, 2, 0, 1, 0, 0],
        "partly_granted": [2, 0, 0, 0, 1, 0],
        "withheld_process": [1, 0, 0, 0, 0, 0],
        "unable_not_held": [4, 1, 0, 0, 0, 0],
        "unable_needs_creation": [1, 0, 0, 0, 0, 0],
        "rejected_petition": [1, 0, 0, 0, 0, 0],
        "rejected_duplicate": [1, 0, 0, 0, 0, 0],
    },
    appeals={
        "review": [2, 1, 0, 0],
        "litigation_direct": [1, 0, 0, 0],
        "litigation_after_review": [1, 0, 0, 0],
    },
    page="""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}_鱼峰区人民政府门户网站</title>
<style>body {{ font-family: "Microsoft YaHei"; }} .nav a {{ margin: 0 1em; }}</style>
<script src="/js/jquery.min.js"></script>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); }})();</script>
</head>
<body>
<div class="nav">
  <a href="/">首页</a>
  <a href="/zwgk/">政务公开</a>
  <a href="/zwfw/">政务服务</a>
  <a href="/hdjl/">互动交流</a>
</div>
<div class="crumb">当前位置：首页 &gt; 政府信息公开 &gt; 政府信息公开年报</div>
<div class="info">发布时间：2023-01-18　来源：柳州市鱼峰区卫生健康局</div>
<div class="article">
{article}
</div>
<script>document.getElementById("share").innerHTML = "分享到微信";</script>
<div class="footer">主办单位：柳州市鱼峰区人民政府办公室　网站标识码：4502000000</div>
</body>
</html>
""",
)

NANXUN = Report(
    file="nanxun_water_2021.docx",
    version="2021",
    blocks=[
        "湖州市南浔区水利局2021年政府信息公开工作年度报告",
        "本报告依据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号文件要求编制。"
        "统计期限为2021年1月1日至2021年12月31日。本报告电子版可在南浔区人民政府网站"
        "（https://www.nanxun.example.gov.cn/）查阅。如有疑问，请联系湖州市南浔区水利局办公室"
        "（地址：湖州市南浔区向阳路568号，邮编：313009，电话：0572-3028610，邮箱：nxslj@example.com）。",
        "一、总体情况",
        "2021年，南浔区水利局围绕防汛防台、水资源管理和河湖长制等重点工作，依法做好政府信息公开。",
        "（一）主动公开。全年主动公开政府信息268条，其中水利工程建设项目信息57条、汛情通报34条；"
        "公示行政许可决定218件、行政处罚决定23件，征收水资源费356.42万元。",
        "（二）依申请公开。全年新收政府信息公开申请18件，无上年结转，均已办结。其中予以公开9件，"
        "部分公开2件，不予公开1件，无法提供4件，不予处理1件，其他处理1件。",
        "（三）政府信息管理。本年制发行政规范性文件2件，废止1件，现行有效11件。",
        "（四）平台建设。在区政府网站开设“防汛防台”专题，汛期每日发布水雨情信息；“南浔水利”微信公众号"
        "全年推送信息126条。",
        "（五）监督保障。举办政务公开培训2期，培训56人次；配合南浔区人民政府办公室完成年度考核评估。",
        "二、主动公开政府信息情况",
        "@active",
        "三、收到和处理政府信息公开申请情况",
        "@requests",
        "四、政府信息公开行政复议、行政诉讼情况",
        "@appeals",
        "五、存在的主要问题及改进情况",
        "本年度政府信息公开工作存在的主要问题是：水利项目信息公开的及时性不够，政策解读的针对性有待增强。"
        "2022年，本局将在项目批复后20个工作日内公开相关信息，并于每年汛前发布防汛政策解读不少于3篇。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。本局发生政府信息公开行政复议1件，复议机关责令重新答复，已于2021年11月"
        "重新作出答复。",
    ],
    active={
        "regulations": [0, 0, 0],
        "normative_documents": [2, 1, 11],
        "licensing": [218],
        "penalty": [23],
        "coercion": [0],
        "fees": [356.42],
    },
    requests={
        "new": [11, 4, 0, 0, 2, 1],
        "carried_over": [0, 0, 0, 0, 0, 0],
        "granted": [5, 2, 0, 0, 1, 1],
        "partly_granted": [1, 1, 0, 0, 0, 0],
        "withheld_security": [1, 0, 0, 0, 0, 0],
        "unable_not_held": [2, 0, 0, 0, 0, 0],
        "unable_needs_creation": [0, 1, 0, 0, 0, 0],
        "unable_unclear": [1, 0, 0, 0, 0, 0],
        "rejected_petition": [1, 0, 0, 0, 0, 0],
        "other_no_correction": [0, 0, 0, 0, 1, 0],
    },
    appeals={
        "review": [0, 1, 0, 0],
        "litigation_direct": [0, 0, 0, 0],
        "litigation_after_review": [0, 0, 0, 0],
    },
)

REPORTS = (TUNXI, YUFENG, NANXUN)
