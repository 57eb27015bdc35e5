"""Local development stack: moto, localstripe, `chalice local` and a queue worker, plus demo seeding."""
