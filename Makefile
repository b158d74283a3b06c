# appvault: build, test and demo. `make demo` and `make test` work on a fresh Debian machine.
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps build test demo torture bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

test: deps
	scripts/run-tests.sh

torture: deps
	scripts/torture.sh

demo: deps
	scripts/demo.sh

bench: deps
	scripts/bench.sh

clean:
	rm -rf .build
