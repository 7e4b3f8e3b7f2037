"""HTML views. Each view says who may call it: `@public` (registry.permissions) marks the open ones."""
