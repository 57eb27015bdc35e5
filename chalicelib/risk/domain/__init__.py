"""Risk's pure domain: rules, signals, the score and the proof of work."""
