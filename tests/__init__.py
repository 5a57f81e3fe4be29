"""Tests for the Smartcar integration."""
