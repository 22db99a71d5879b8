"""The agent desk: softphone credentials, queue login/pause/ready/logout, screen pops."""
