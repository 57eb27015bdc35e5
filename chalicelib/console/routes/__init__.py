"""The console's pages: signing up and in (signup, signin), and the signed-in pages (home)."""
