"""The web front: agent softphone panel, wallboard, QA pages, websocket hub."""
