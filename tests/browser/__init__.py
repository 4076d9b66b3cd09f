"""Browser tests: every page of Gradient Lab opened in headless Chromium (see README.md here)."""
