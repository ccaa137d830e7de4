"""Versioned schema migrations, oldest first."""
