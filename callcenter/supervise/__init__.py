"""Supervisor live help: listen to, whisper to, or barge into an agent's call (audited)."""
