"""The IVR's prompt catalogue: recordings per language (uploaded, or spoken placeholders),
stored in S3 and rendered into the folder Asterisk plays them from."""
