"""Chinese labels of the template's rows and columns (国办公开办函〔2019〕60号 and 〔2021〕30号), for
people looking at a record. Keys are those of `extraction.schema`; wording follows the template tables.
"""

from __future__ import annotations

ACTIVE_ROWS = {
    "regulations": "第二十条第（一）项 规章",
    "normative_documents": "第二十条第（一）项 规范性文件",
    "licensing": "第二十条第（五）项 行政许可",
    "other_services": "第二十条第（五）项 其他对外管理服务事项",
    "penalty": "第二十条第（六）项 行政处罚",
    "coercion": "第二十条第（六）项 行政强制",
    "fees": "第二十条第（八）项 行政事业性收费",
    "procurement": "第二十条第（九）项 政府集中采购",
}
# The 2021 template renamed one row.
ACTIVE_ROWS_2021 = ACTIVE_ROWS | {"normative_documents": "第二十条第（一）项 行政规范性文件"}

ACTIVE_COLS = {
    "made": "本年新制作数量",
    "published": "本年新公开数量",
    "total": "对外公开总数量",
    "prev_items": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "items": "采购项目数量",
    "amount": "采购总金额（万元）",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
}
# Column labels that depend on the row or the version: (version, row, col) -> label.
ACTIVE_COL_OVERRIDES = {
    ("2021", "licensing", "decisions"): "本年处理决定数量",
    ("2021", "penalty", "decisions"): "本年处理决定数量",
    ("2021", "coercion", "decisions"): "本年处理决定数量",
    ("2021", "fees", "amount"): "本年收费金额（单位：万元）",
}

REQUEST_ROWS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "granted": "三、本年度办理结果 （一）予以公开",
    "partly_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "withheld_state_secret": "（三）不予公开 1.属于国家秘密",
    "withheld_prohibited": "2.其他法律行政法规禁止公开",
    "withheld_security": "3.危及“三安全一稳定”",
    "withheld_third_party": "4.保护第三方合法权益",
    "withheld_internal": "5.属于三类内部事务信息",
    "withheld_process": "6.属于四类过程性信息",
    "withheld_enforcement": "7.属于行政执法案卷",
    "withheld_inquiry": "8.属于行政查询事项",
    "unable_not_held": "（四）无法提供 1.本机关不掌握相关政府信息",
    "unable_needs_creation": "2.没有现成信息需要另行制作",
    "unable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "（五）不予处理 1.信访举报投诉类申请",
    "rejected_duplicate": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other": "（六）其他处理",
    "other_no_correction": "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
    "results_total": "（七）总计",
    "carried_forward": "四、结转下年度继续办理",
}

REQUEST_COLS = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_org": "社会公益组织",
    "legal_service": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}
# The five columns the template groups under one heading.
REQUEST_COL_GROUP = ("法人或其他组织", ("commercial", "research", "social_org", "legal_service", "other_org"))

APPEAL_GROUPS = {
    "review": "行政复议",
    "litigation_direct": "行政诉讼 未经复议直接起诉",
    "litigation_after_review": "行政诉讼 复议后起诉",
}
APPEAL_COLS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}

TABLE_TITLES = {
    "active": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}


def row_label(table: str, row: str, version: str) -> str:
    """The Chinese label of a template row (the key itself when unknown)."""
    if table == "active":
        return (ACTIVE_ROWS_2021 if version == "2021" else ACTIVE_ROWS).get(row, row)
    if table == "requests":
        return REQUEST_ROWS.get(row, row)
    if table == "appeals":
        return APPEAL_GROUPS.get(row, row)
    return row


def col_label(table: str, row: str, col: str, version: str) -> str:
    """The Chinese label of a template column, as it reads for this row and version."""
    if table == "active":
        return ACTIVE_COL_OVERRIDES.get((version, row, col), ACTIVE_COLS.get(col, col))
    if table == "requests":
        return REQUEST_COLS.get(col, col)
    if table == "appeals":
        return APPEAL_COLS.get(col, col)
    return col
