"""The appeals portal: accounts, appeals, receptions planning; pages and JSON API."""
