"""Pure KPI engine (kpi-v1): domain events in, state and KPIs out. No I/O, no clock reads."""
