# appvault: build, test and demo. `make demo` and `make test` work on a fresh Debian machine.
SWIFT ?= swift
BUILD_FLAGS ?=
# `make install` puts files under $(DESTDIR)$(PREFIX); docs/install.md lists them.
PREFIX ?= /usr/local
DESTDIR ?=
export PREFIX DESTDIR

.PHONY: deps build test test-cluster demo torture bench clean install uninstall deb test-install test-deb docs

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

install: deps
	scripts/install/install.sh install

uninstall:
	scripts/install/install.sh uninstall

# appvault_VERSION_ARCH.deb in the checkout's folder, checked by lintian (no error allowed).
deb: deps
	scripts/install/deb.sh

# make install/uninstall into scratch prefixes: files, man page, completions, the unit (systemd-analyze).
test-install: deps
	scripts/install/test-install.sh

# The package on a fresh Debian 12 booted with systemd-nspawn: install, use, the user service, purge.
test-deb: deps
	scripts/install/test-deb.sh

# DocC for VaultCrypto, AppVault (with the articles), MailConnectors and VaultAgent: .build-docs/site.
docs: deps
	scripts/docs.sh

clean:
	rm -rf .build .build-release .build-release-dyn .build-docs
