"""Tests of the Smartcar simulator (fidelity to SMARTCAR_API.md)."""
