"""Alerts: rules on the wallboard's figures, shown on the board and e-mailed once per incident."""
