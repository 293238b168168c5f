"""What an auditor reads for the codes of the audit: rule names, severities, decisions and statuses in Chinese.

The codes stay the keys (in the warehouse, the CLI's options and JSON); these are the words shown first, with
the code after them where an auditor may need to type it.
"""

from __future__ import annotations

RULES = {
    "row_shape": "列数不符", "region_known": "地区代码不存在", "region_in_jurisdiction": "超出管辖范围",
    "indicator_known": "指标无法识别", "indicator_unambiguous": "指标名称有歧义", "period_format": "报告期格式",
    "period_not_future": "报告期未结束", "unit_convertible": "计量单位不符", "value_numeric": "数值非数字",
    "value_missing": "数值缺报", "status_known": "数据状态不明", "status_consistent": "数据状态与数值不符",
    "key_unique": "重复报送", "required_indicator_reported": "应报指标未报", "value_in_bounds": "数值超出合理范围",
    "count_whole": "计数非整数", "ratio_matches_parts": "比率与分子分母不符", "ytd_not_falling": "累计值下降",
    "children_within_parent": "下辖合计超过本级", "change_against_last_quarter": "较上季度变化过大",
    "change_outlier": "变化与同级地区不同", "peer_outlier": "偏离同级地区（旧规则）",
    "file_readable": "文件无法读取", "period_not_before": "报告期早于规划基期", "value_separators": "数字分隔符有误",
    "system": "文件处理出错",
}
SEVERITIES = {"error": "错误", "warning": "警告"}
DECISIONS = {"confirm": "确认", "correct-requested": "更正", "override": "认可"}
STATUSES = {"open": "待审核", "closed": "已结"}
# Why a finding nobody decided is closed (sql/findings.sql): its value was superseded, or its file rejected.
CLOSED_UNDECIDED = {"superseded": "已被新报送值取代", "rejected": "文件已退回，无需审核"}
# What became of a submitted file (the pipeline's outcome), as the office and the operator read it.
OUTCOMES = {"accepted": "已接收", "accepted_with_warnings": "已接收（有警告，待审核）", "rejected": "退回",
            "duplicate": "重复（未改变数据）", "refused": "拒收（未读取，留在收件箱）"}


def rule(code: str) -> str:
    """A rule's Chinese name (a consistency pair by its family's name); the code itself when unnamed."""
    if code.startswith("consistency_"):
        return "指标间不一致"
    return RULES.get(code, code)


def code_of(word: str, table: dict[str, str]) -> str:
    """The code for a Chinese word of `table`, or the word itself when it is a code already."""
    return {zh: code for code, zh in table.items()}.get(word, word)
