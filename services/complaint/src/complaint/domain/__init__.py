"""The complaint domain in plain Python: the workflow, the working-time clock, the SLA rules."""
