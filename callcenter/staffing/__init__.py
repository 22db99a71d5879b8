"""Staffing: Erlang C agents needed per interval, from a forecast of the offered calls."""
