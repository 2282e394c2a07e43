"""complaint: the closed loop of complaints (投诉) in Guanxi: workflow, working-time SLA, escalation, callbacks."""
