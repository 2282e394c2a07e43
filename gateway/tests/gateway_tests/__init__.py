"""The gateway's tests (a package, so its modules are named gateway_tests.*, not after the folder)."""
