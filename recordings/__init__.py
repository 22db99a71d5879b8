"""Recordings vault: S3 storage adapter, spool uploader, QA and audit."""
