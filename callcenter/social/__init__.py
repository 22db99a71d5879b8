"""Social desk: listen to what social media and news say about online fraud and 1212."""
