"""ARI Stasis application: the hotline IVR, later the callback dialer legs."""
