"""Core models: layer specs, styles, the Project and its layers (no Qt)."""
