"""Inventory's merchant API routes and their JSON shapes."""
