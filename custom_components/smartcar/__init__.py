"""The Smartcar integration."""
