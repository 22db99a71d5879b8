"""Pure KPI engine (kpi-v1.1, docs/kpi-v1.md): events in, KPIs out; no I/O, no clock reads."""
