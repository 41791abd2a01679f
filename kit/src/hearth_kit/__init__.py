"""hearth-kit: the runtime every Hearth service shares. No domain code lives here."""
