"""E-mail addresses as the risk rules see them: one canonical form per mailbox, and whether its domain hands out
throwaway mailboxes (the `disposable-email-domains` registry, kept by its maintainers and pinned here)."""

from __future__ import annotations

from functools import lru_cache

# Providers that deliver a.b.c@ and abc@ to one mailbox; every provider here ignores a "+tag".
_DOTLESS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def canonical(email: str) -> str:
    """One address per mailbox: lower case, the "+tag" dropped, and Gmail's dots — so a farm of
    buyer+1@, buyer+2@ and b.u.y.e.r@ counts as the one buyer it is."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS:
        domain = _DOTLESS[domain]
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def disposable(email: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    blocklist = _blocklist()
    # a subdomain of a throwaway domain is one too
    parts = domain.split(".")
    return any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1))


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    from disposable_email_domains import blocklist  # ~10,000 domains: loaded on the first checkout only

    return frozenset(blocklist)
