"""Adapters: the outside world into specs (TOML presets, Hugging Face config.json, --set overrides, scenario
files). They read files; they compute nothing."""
