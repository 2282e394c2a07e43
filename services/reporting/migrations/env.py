from reporting.adapters.tables import metadata
from servicekit.migrations import run

run(metadata, "reporting")
