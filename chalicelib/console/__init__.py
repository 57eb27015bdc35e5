"""The merchant console: the pages a shop is run from, each calling the capabilities' own services."""
