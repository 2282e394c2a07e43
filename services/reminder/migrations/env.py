from reminder.adapters.tables import metadata
from servicekit.migrations import run

run(metadata, "reminder")
