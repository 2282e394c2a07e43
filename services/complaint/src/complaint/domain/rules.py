"""The closed-loop rules from the seeds, as configurable defaults.

[002 L1240] step 6: "工程质量投诉的回访，至少回访2次；服务质量投诉需要回访1-2次" — quality complaints need at
least two callbacks before closing, service complaints one (a second is allowed); step 7: closed only when
the customer is satisfied or very satisfied, otherwise back to step 2.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from complaint.domain.vocabulary import CATEGORIES

DEFAULT_MIN_CALLBACKS = {"quality": 2, "service": 1, "general": 1, "incident": 1}
#: Subcategories a complaint may name (PRODUCT.md 2.2: repair quality, parts, attitude, billing, waiting time).
DEFAULT_SUBCATEGORIES = ("repair_quality", "parts", "attitude", "billing", "waiting_time", "delivery", "other")


def parse_min_callbacks(text: str) -> dict[str, int]:
    """'quality=2,service=1' over the defaults; ValueError naming an unknown category or a bad count."""
    counts = dict(DEFAULT_MIN_CALLBACKS)
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        category, _, count = part.partition("=")
        if category.strip() not in CATEGORIES or not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"minimum callbacks {part!r} must look like quality=2 (categories: {CATEGORIES})")
        counts[category.strip()] = int(count)
    return counts


def parse_subcategories(text: str) -> tuple[str, ...]:
    """'parts, billing' as ("parts", "billing"); the defaults when empty; ValueError for a malformed name."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    for name in names:
        if not name.replace("_", "").isalnum() or len(name) > 50:
            raise ValueError(f"subcategory {name!r} must be a word of letters, digits and _ (at most 50)")
    return names or DEFAULT_SUBCATEGORIES


@dataclass(frozen=True)
class Rules:
    """Workflow rules that a dealership may tune."""

    min_callbacks: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIN_CALLBACKS))
    subcategories: tuple[str, ...] = DEFAULT_SUBCATEGORIES
    #: Closing needs the survey of the resolution [002 L1150: every resolved complaint gets one]. The service
    #: reads it from its group-wide settings (on unless turned off); the bare domain default is off.
    survey_required: bool = False

    def callbacks_needed(self, category: str) -> int:
        """How many callbacks a complaint of `category` needs before it may be closed."""
        return self.min_callbacks.get(category, 1)
