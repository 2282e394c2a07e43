"""RFM (客户价值分析): the recency, frequency and monetary scores of a customer, and the segment they make."""
from __future__ import annotations


def frequency_score(visits: int) -> int:
    """F of RFM: 1 visit = 1, 2 = 2, 3–4 = 3, 5–7 = 4, 8 or more = 5."""
    return 1 if visits <= 1 else 2 if visits == 2 else 3 if visits <= 4 else 4 if visits <= 7 else 5


def monetary_score(spend_fen: int) -> int:
    """M of RFM from the spend in CNY: < 1,000 = 1, < 3,000 = 2, < 8,000 = 3, < 20,000 = 4, more = 5."""
    yuan = spend_fen / 100
    return 1 if yuan < 1000 else 2 if yuan < 3000 else 3 if yuan < 8000 else 4 if yuan < 20000 else 5


def recency_score(days_since: int) -> int:
    """R of RFM: within 30 days = 5, 90 = 4, 180 = 3, 365 = 2, longer = 1."""
    for score, within in ((5, 30), (4, 90), (3, 180), (2, 365)):
        if days_since <= within:
            return score
    return 1


#: RFM segments, first match wins (scores 1–5): names in the seed's words where it has them (客户价值).
SEGMENTS = (
    ("champions", "重要价值客户", lambda r, f, m: r >= 4 and f >= 4 and m >= 4),
    ("loyal", "重要保持客户", lambda r, f, m: r >= 3 and f >= 3),
    ("big_spenders_at_risk", "重要挽留客户", lambda r, f, m: r <= 2 and m >= 4),
    ("at_risk", "流失风险客户", lambda r, f, m: r == 2),
    ("new", "新客户", lambda r, f, m: r >= 4 and f <= 2),
    ("promising", "一般发展客户", lambda r, f, m: r >= 3),
    ("lost", "流失客户", lambda r, f, m: True),
)


def segment_of(r: int, f: int, m: int) -> str:
    """The RFM segment of a customer with these scores."""
    return next(name for name, _, rule in SEGMENTS if rule(r, f, m))
