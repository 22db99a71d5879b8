"""The IVR's path of each caller (ivr-v1): stored when they leave it, counted as KPIs, and
recounted from Asterisk's CEL."""
