"""Specs: everything a user can describe (architecture, dataset, hardware, layouts, serving setup, costs, runs,
scenarios), typed and validated once. Specs import no math, no loaders, no CLI."""
