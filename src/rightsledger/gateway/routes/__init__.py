"""One module per resource; each exports `router` (and `FEATURE`, the name /info reports it under)."""
