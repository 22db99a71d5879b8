"""Post-call satisfaction (CSAT): the caller rates the call after the agent hangs up."""
