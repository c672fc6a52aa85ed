"""The barrier advisor: which barrier, where, per model and architecture (`memcheck fences`)."""
