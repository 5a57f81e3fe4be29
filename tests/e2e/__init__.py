"""End-to-end tests: the simulator and a real Home Assistant process, over real HTTP."""
