"""Custom integrations (a package, so tests import this repository's, not the test plugin's)."""
