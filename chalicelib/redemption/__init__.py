"""Redemption (核销) and licences: partners verify and redeem sold keys; software checks licences."""
