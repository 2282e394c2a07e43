"""The Today screen (今日待办): the tasks due or overdue of the signed-in person (or, for a manager, of a colleague
or a store), grouped by kind, each with what to do about it in place: complete with an outcome, snooze, book.

One module per part: the task list (tasks), what to do about a task (actions), the words (words); the blueprint,
the business time zone and reading the query in common (the other pages use them too)."""
from console.views.today import actions, tasks
from console.views.today.common import blp, local_time, page_number, zone
from console.views.today.tasks import task_filters
from console.views.today.words import OUTCOME_LABELS

__all__ = ["OUTCOME_LABELS", "actions", "blp", "local_time", "page_number", "task_filters", "tasks", "zone"]
