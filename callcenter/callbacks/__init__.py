"""Callbacks: every dropped caller becomes a tracked task, dialled agent-first within the window."""
