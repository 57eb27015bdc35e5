"""Risk's services: the checkout's assessment and the shop's rules."""
