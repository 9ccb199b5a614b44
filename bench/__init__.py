"""Scripts that measure the product and print figures; not shipped, not tests."""
