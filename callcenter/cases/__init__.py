"""Complaint cases: taxonomy, workflow, audit trail, search, attachments and FCR."""
