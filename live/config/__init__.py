"""Reading the TOML files a therapist edits (presets, controller mappings): one-line problems."""
