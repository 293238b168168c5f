"""What an auditor reads for the codes of the audit: rule names, severities, decisions and statuses in Chinese.

The codes stay the keys (in the warehouse, the CLI's options and JSON); these are the words shown first, with
the code after them where an auditor may need to type it.
"""

from __future__ import annotations

from ipwatch.domain import rules
from ipwatch.domain.finding import UNLISTED

# Findings no validation rule makes, so no file in expectations/rules/ names them: a file the pipeline could not
# read or handle, a rule's rows a file's report does not list one by one (finding.UNLISTED), and peer_outlier,
# retired (change_outlier replaced it) but still the code of old findings.
OTHER_FINDINGS = {"file_readable": "文件无法读取", "system": "文件处理出错", UNLISTED: "同类错误未逐行列出",
                  "peer_outlier": "偏离同级地区（旧规则）"}
RULES = {**rules.labels(), **OTHER_FINDINGS}
SEVERITIES = {"error": "错误", "warning": "警告"}
DECISIONS = {"confirm": "确认", "correct-requested": "更正", "override": "认可"}
STATUSES = {"open": "待审核", "closed": "已结"}
# What an auditor's decision asks of the office that sent the value (its portal pages, receipts and notices); a
# correction asked for and since received closes the finding (sql/views/findings.sql: superseded).
NEXT_STEPS = {"correct-requested": "请更正后重新报送", "confirm": "已确认无误，无需处理",
              "override": "已认可为正常数值，无需处理"}
CORRECTION_RECEIVED = "已收到更正值"
# Why a finding nobody decided is closed (sql/findings.sql): its value was superseded, or its file rejected.
CLOSED_UNDECIDED = {"superseded": "已被新报送值取代", "rejected": "文件已退回，无需审核"}
# What became of a submitted file (the pipeline's outcome), as the office and the operator read it.
OUTCOMES = {"accepted": "已接收", "accepted_with_warnings": "已接收（有警告，待审核）", "rejected": "退回",
            "duplicate": "重复（未改变数据）", "refused": "拒收（未读取，留在收件箱）"}

# What a receipt says of a file's blank rows that left the value in force as it was (ipwatch/intake/archive.py).
KEPT = "这些指标本次未填报，沿用已接收的数值"


def rule(code: str) -> str:
    """A rule's Chinese name (a consistency pair by its family's name); the code itself when unnamed."""
    found = rules.by_code(code)
    return found.label if found else OTHER_FINDINGS.get(code, code)


def code_of(word: str, table: dict[str, str]) -> str:
    """The code for a Chinese word of `table`, or the word itself when it is a code already."""
    return {zh: code for code, zh in table.items()}.get(word, word)


def next_step(decision: str, awaiting_correction: bool) -> str:
    """What the office is to do about a decision: correct and send again, or nothing (a correction received)."""
    if decision == "correct-requested" and not awaiting_correction:
        return CORRECTION_RECEIVED
    return NEXT_STEPS.get(decision, decision)
