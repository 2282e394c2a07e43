"""End-to-end tests run the real processes; their logs are shown when a test fails."""
