"""ARI Stasis application: the hotline IVR.

Callback legs are not placed here: callcenter/callbacks/dialer.py uses AMI Originate.
"""
