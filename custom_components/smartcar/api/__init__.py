"""An async client for the Smartcar API (no Home Assistant imports: it could ship on its own)."""
