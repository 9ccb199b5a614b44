"""Use cases of the portal: each function is one thing a user does."""
