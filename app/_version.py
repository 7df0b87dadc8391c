"""Package version. scripts/build-release.sh rewrites this file in its build copy so the wheel equals the release."""

__version__ = "0.1.0"
