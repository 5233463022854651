"""The built-in validation plugins. Each module is one plugin, registered by the plugin
manager exactly like a third-party plugin; :mod:`.rules` lists every built-in rule."""
