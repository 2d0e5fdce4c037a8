"""Content bank: web-page chrome, titles, the opening paragraph and the closing signature.

Patterns use the language of `phrases` ([a|b] choices, {SLOT} fills). Modelled on the
openings of the real reports in ../shared/corpus: the legal basis, the parts of the report,
the statistics period, where the electronic version is, whom to ask.
"""

from __future__ import annotations

# Breadcrumbs and index blocks of the pages the text was copied from.
CHROME = (
    "首页 > 政务公开 > 政府信息公开年报",
    "首页 » 信息公开 » 信息公开年报",
    "您当前所在的位置：首页 > 政府信息公开 > 政府信息公开年度报告",
    "当前位置：首页 / 政府信息公开 / 政府信息公开年报 / 正文",
    ">> 政务公开 | >> 信息公开 | >> 政府信息公开年度报告 |",
    "首页 > 政府信息公开 > 年度报告",
)
CHROME_NAV = (
    "首页  新闻中心  政务公开  政务服务  互动交流  专题专栏",
    "长者版 无障碍阅读",
    "字号：大 中 小",
    "朗读",
    "用微信扫描二维码\n分享至好友和朋友圈",
    "当前位置：首页 > 政务公开 > 法定主动公开内容 > 政府信息公开年报",
    "您的位置：首页 > 信息公开 > 年度报告",
)
# The index block of a government-information page: {AGN} names the body without being the
# `agency` field, {PUBISO} is the publication date (so only fields that mean publication: 发布日期,
# 公开日期, 发文日期; never 成文日期, the date a document was written).
CHROME_META = (
    "索引号：{IDX}    公开方式：主动公开\n发布机构：{AGN}    发布日期：{PUBISO}\n公开时限：长期公开",
    "索 引 号 | {IDX} | 主题分类 | 政务公开 |\n发布机构 | {AGN} | 发布日期 | {PUBISO} |\n文    号 | | 有 效 性 | 有效 |",
    "索引号：{IDX}\n发布机构：{AGN}\n发文日期：{PUBISO}\n主题分类：政府信息公开年报",
    "信息索引号：{IDX}    公开日期：{PUBISO}\n公开形式：主动公开    公开范围：面向社会",
    "索引号 {IDX}    公开方式 主动公开\n发布日期 {PUBISO}    发布机构 {AGN}\n组配分类 政府信息公开年报",
)
CHROME_TAIL = (
    "【打印】 【关闭】",
    "用微信扫描二维码\n分享至好友和朋友圈",
    "打印本页    关闭窗口",
    "字体：大 中 小    打印本页    关闭窗口",
    "【字体：大 中 小】【打印】【关闭】",
    "浏览次数：    分享到：",
    "字号：T|T    访问量：",
)

# Titles: {T_AG} is the agency field, {T_Y} the year.
TITLES = (
    "{T_AG}{T_Y}政府信息公开工作年度报告",
    "{T_AG}{T_Y}政府信息公开工作年度报告",
    "{T_AG}{T_Y}政府信息公开工作年度报告",
    "{T_AG}{T_YD}政府信息公开工作年度报告",
    "{T_AG}{T_YD}政府信息公开年度报告",
    "{T_AG}{T_Y}政府信息公开年度报告",
    "{T_AG}关于{T_Y}政府信息公开工作的年度报告",
    "{T_AG}{T_YD}政府信息公开工作报告",
    "{T_Y}{T_AG}政府信息公开工作年度报告",
    "{T_AG}政府信息公开工作年度报告（{T_YD}）",
    "{T_AG}\n{T_Y}政府信息公开工作年度报告",
    "{T_YD}{T_AG}政府信息公开工作年度报告",
)

# The opening paragraph, sentence by sentence. Each list holds alternatives for one sentence.
BASIS = (
    "本报告[依据|根据]{LAW}[和|]{NOTICE}要求，[结合|根据]{SELF}政府信息公开工作[有关|相关]统计数据撰写[而成|]。",
    "根据{LAW}[规定|要求]，现[发布|公布]《{AG}{Y}政府信息公开工作年度报告》。",
    "本年度报告[是|]根据{LAW}[和|、]{NOTICE}[的|]要求，由{UNIT}[组织|]编制[而成|]。",
    "按照{LAW}和{NOTICE}[要求|规定]，[特|现]向社会公布{YD}{SELF}政府信息公开工作年度报告。",
    "[为|为了]认真做好政府信息公开工作，{SELF}按照{LAW}的有关要求，精心组织，[狠抓落实|认真编制]，现向社会公布{YD}政府信息公开工作年度报告。",
    "本报告[依据|根据]{LAW}[要求|规定]，[汇总|综合]{YD}{AGS}政府信息公开[工作|]情况编制而成。",
)
# Basis sentences that name the body: used when no title has named it yet.
BASIS_NAMED = (
    "本报告由{AG}根据{LAW}[和|、|]{NOTICE}[有关|]要求编制[而成|]。",
    "本年度报告由{AG}根据{LAW}[、|和]{NOTICE}[制作|编制]。",
    "根据{LAW}[要求|规定]，现[发布|公布]{AG}{YD}政府信息公开工作年度报告。",
    "根据{UPNOTICE}[文件精神|要求]，结合[工作|]实际，现向社会公布{YD}{AG}政府信息公开工作年度报告。",
    "[为|为了][保障|切实保障]公民、法人和其他组织依法获取政府信息，[提高|增强]政府工作透明度，根据{LAW}[要求|规定]，{AG}编制了{YD}政府信息公开工作年度报告。",
    "依据{LAW}[和|、]{NOTICE}[要求|规定]，结合{Y}{AG}政府信息公开工作[编制而成|编制本报告]。",
)
# Basis sentences that close the opening paragraph ("…报告如下").
BASIS_FINAL = (
    "根据{LAW}[和|、]{NOTICE}[等相关规定|要求]，现将{SELF}{YD}政府信息公开工作情况报告如下[：|。]",
    "按照{LAW}[和|及]{UPNOTICE}[要求|有关规定]，现将{Y}{SELF}政府信息公开工作[情况|]报告如下[：|。]",
    "根据{LAW}和{PROVRULE}[规定|要求]，现将{Y}{AGX}政府信息公开工作情况报告如下[：|。]",
)
BASIS_LEGACY_NAMED = (
    "本报告是根据{LAW}[要求|规定]，由{AG}编制的{YD}政府信息公开工作年度报告。",
    "根据{LAW}[和|、]{PROVRULE}[的|]规定，{AG}认真编制并公布{YD}政府信息公开工作年度报告。",
    "本报告根据{LAW}[以及|和]{UPNOTICE}[要求|规定]，由{AG}编制。",
    "[按照|根据]{PG}[的|]统一部署，{AG}认真贯彻落实{LAW}[和|及]{PROVRULE}，[切实|扎实]做好政府信息公开各项工作。",
)
BASIS_LEGACY = (
    "本报告[是|]根据{LAW}[要求|规定]，由{UNIT}编制。",
    "根据{LAW}[和|及]{DOC}[的|]有关规定，现[公布|发布]{SELF}{YD}政府信息公开工作年度报告。",
    "按照{LAW}的有关规定，现将{SELF}{Y}政府信息公开[工作|]情况报告如下。",
    "本年度报告根据{LAW}要求，[汇总|综合]{YD}{AGS}的政府信息公开[工作|]情况编制而成。",
)
PARTS_2019 = (
    "[本报告|全文|报告]由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议[和|、]行政诉讼情况、"
    "存在的主要问题及改进情况、其他需要报告的事项等{PARTS}组成。",
    "[本报告|全文|报告][主要|]包括[：|]总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
    "政府信息公开行政复议和行政诉讼情况、[政府信息公开工作|]存在[的|]主要问题及改进情况、其他需要报告的事项共{PARTS}内容。",
    "[本报告|全文]包括总体情况，主动公开政府信息情况，收到和处理政府信息公开申请情况，政府信息公开行政复议、行政诉讼情况，"
    "存在的主要问题及改进情况，其他需要报告的事项[{PARTS}|等内容]。",
)
PARTS_LEGACY = (
    "[全文|报告|本报告]包括概述，主动公开政府信息情况，依申请公开政府信息[和不予公开政府信息|]情况，政府信息公开的收费及减免情况，"
    "因政府信息公开申请行政复议、提起行政诉讼的情况，政府信息公开工作存在的主要问题及改进措施，其他需要报告的事项[等{PARTS7}|]。",
    "[全文|本报告]由概述、主动公开政府信息情况、依申请公开政府信息情况、收费及减免情况、行政复议和行政诉讼情况、"
    "存在的主要问题和改进措施[等部分|]组成。",
    "报告包括[：|]1、概述；2、主动公开政府信息情况；3、依申请公开政府信息情况；4、申请行政复议、提起行政诉讼的情况；"
    "5、存在的主要问题和改进措施。",
    "[全文|本报告]由概述，主动公开政府信息情况，依申请公开政府信息情况，政府信息公开的收费及减免情况，"
    "因政府信息公开申请行政复议、提起行政诉讼的情况，存在的主要问题和改进措施，需要说明的事项与附表[等|共]{PARTS7}组成。",
)
# The period sentence most reports use (a third of the corpus openings), then the variants.
PERIOD_MAIN = "[本报告|本年度报告|报告]中所列数据的统计期限自{PSTART}起至{PEND}止。"
PERIOD = (
    "本报告[中|]所列数据的统计期限[自|为]{PSTART}[起至|至]{PEND}[止|]。",
    "[本报告|报告中]所列数据[统计时间|统计时限|的统计期限]为{PSTART}至{PEND}。",
    "除特别说明[的|]外，[所列数据|本报告所列数据]统计时限为{PSTART}至{PEND}。",
    "使用数据统计期限为{PSTART}至{PEND}。",
    "[报告|本报告]统计期限为{PSTART}至{PEND}，[数据来源于|数据统计自]{SELF}[日常工作统计|政务公开工作台账]。",
)
WEB = (
    "本报告的电子版可在{SITE}（{URL}）[下载|查阅]。",
    "[本报告|报告]电子版可在{SITE}下载。",
    "本报告的电子版可[从|在]{SITE}[“政府信息公开”专栏|政府信息公开年报栏目]（网址：{URL}）下载。",
    "{SITE}（{URL}）上可浏览本报告。",
    "本报告全文在{SITE}公布，欢迎查阅。",
    "[本报告|报告全文]可在{SITE}[政府信息公开年报栏目|“政府信息公开年报”专栏]查阅[或下载|]（{URL}）。",
)
CONTACT = (
    "如对本报告有任何疑问，请与{DEPT}联系（地址：{ADDR}，邮编：{POST}，电话：{PHONE}[，传真：{FAX}|][，电子邮箱：{EMAIL}|]）。",
    "如对本报告有疑问，请[与|于]{DEPT}联系（{ADDR}，邮政编码：{POST}，联系电话：{PHONE}[，电子邮箱 {EMAIL}|]）。",
    "如有疑问，请与{DEPT}联系。（地址：{ADDR}，邮编：{POST}，电话：{PHONE}）。",
    "对本报告有任何疑问，请与{DEPT}联系（地址：{ADDR}；邮编：{POST}；电话：{PHONE}[；邮箱：{EMAIL}|]）。",
    "如对本年度报告有任何疑问，请与{SELF}联系（地址：{ADDR}，联系电话：{PHONE}，邮编：{POST}）。",
    "[公众|社会公众]如需进一步咨询了解相关信息，请与{DEPT}联系（地址：{ADDR}，邮编：{POST}，电话：{PHONE}）。",
)

# The contact at the end of a report (section 六 or after it) when the opening gave none.
CONTACT_END = CONTACT + (
    "联系[单位|部门]：{DEPT}；联系地址：{ADDR}；邮政编码：{POST}；联系电话：{PHONE}[；电子邮箱：{EMAIL}|]。",
    "[公民、法人和其他组织|社会公众]对本报告如有疑问，可[与|向]{DEPT}[联系|咨询]，联系电话：{PHONE}。",
)

# A date line under the title, or the signature at the end.
DATELINE = (
    "（{PUB}）",
    "{PUB}",
    "发布日期：{PUBISO}",
    "发布时间：{PUBISO}    来源：{AGS}",
    "发布时间：{PUBISO}  来源：{AGS}  浏览次数：",
    "时间：{PUBISO}  来源：本站  作者：管理员  点击量：",
    "来源：{AGS}    发布时间：{PUBISO}",
    "发表日期：{PUBISO}    文章来源：{AGN}",
    "发布日期：{PUBISO}  字体：[ 大 中 小 ]",
)
SIGNATURE = ("{AG}\n{PUB}", "{PUB}", "{AG}\n{PUBCN}")
