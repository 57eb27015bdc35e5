"""Insights: the sales rollups every report and the dashboard read (the operations platform builds on them)."""
