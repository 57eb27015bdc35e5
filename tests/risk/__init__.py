"""The risk engine against a labelled synthetic traffic set, on in-memory counters."""
