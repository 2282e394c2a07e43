"""Settings (设置) for managers, one module per page: SLA policies per complaint category and severity with the
complaint workflow's settings (sla), reminder rules (rules), opt-outs (opt_outs), and broadcasts to the customers
of a store (broadcasts). Everyone may read them; only a manager sees the buttons. What they share is in common."""
from console.views.settings import broadcasts, opt_outs, rules, sla
from console.views.settings.common import blp

__all__ = ["blp", "broadcasts", "opt_outs", "rules", "sla"]
