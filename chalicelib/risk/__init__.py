"""Risk control: the score a checkout gets from the shop's rules, and what the score decides."""
