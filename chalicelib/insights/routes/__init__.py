"""Insights' merchant API: heatmap, funnel, stock and forecasts, segments (the console reads the same services)."""
