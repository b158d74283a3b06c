#!/usr/bin/env bash
# Builds appvault and runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
