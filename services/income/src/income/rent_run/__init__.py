"""The weekly rent run: every current rent account charged once a rent week."""
