"""The console's use cases that gather several capabilities' answers for one page."""
