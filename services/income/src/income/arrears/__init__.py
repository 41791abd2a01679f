"""The arrears ladder: recovery steps, the pre-action protocol, reviews."""
