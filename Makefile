# appvault: build, test and demo. `make demo` and `make test` work on a fresh Debian machine.
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps build test test-cluster demo torture bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

test: deps
	scripts/run-tests.sh

# Only the multi-host tests (make test runs them as well): three hosts (network namespaces, root)
# sharing a PostgreSQL vault.
test-cluster: deps
	scripts/test-cluster.sh

torture: deps
	scripts/torture.sh

demo: deps
	scripts/demo.sh

bench: deps
	scripts/bench.sh

clean:
	rm -rf .build
