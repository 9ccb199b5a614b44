"""English translations: one module per area, each defining EN = {russian: english}."""
