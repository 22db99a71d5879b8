"""Contact-centre backend on Asterisk for the 1212 online-complaint hotline."""

__version__ = "0.1.0"
