"""Chat desk (issue 16): LINE conversations, a bot in front, admins behind, SLAs measured."""
