# netplugin — the targets users know: build, unit-test, system-test, test, demo.
# System tests, the demo and benchmarks need root, Open vSwitch and dockerd:
# scripts/host-setup.sh installs and starts whatever is missing.

SHELL := /bin/bash
PREFIX ?= /usr/local
CNI_BIN_DIR ?= /opt/cni/bin
NODE_MODULES_STAMP := node_modules/.package-lock.json

.PHONY: all build deps install uninstall unit-test system-test test demo demo-stop bench host-setup lab lab-down clean

HOSTS ?= 3

all: build

deps: $(NODE_MODULES_STAMP)

$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# What each build output is made from, so `make build` redoes only what changed.
TS_SOURCES := tsconfig.json $(shell find src -name '*.ts' ! -name '*.test.ts')
TS_STAMP := dist/.tsc-stamp
NATIVE_CC := $(sort $(shell find native -name '*.cc'))
NATIVE_SOURCES := binding.gyp $(NATIVE_CC) $(shell find native -name '*.h')
NATIVE_OUT := build/Release/np_openflow.node build/Release/np_netlink.node build/Release/netplugin-cni
# binding.gyp lists native/*/*.cc when node-gyp configures: adding or removing one needs a new
# configure. The list is rewritten (so its date moves) only when it differs.
# It lives outside build/, which `npm ci` wipes (it runs node-gyp rebuild for this package).
NATIVE_LIST := .make/native-sources.list
ifneq ($(file <$(NATIVE_LIST)),$(NATIVE_CC))
$(shell mkdir -p $(dir $(NATIVE_LIST)))
$(file >$(NATIVE_LIST),$(NATIVE_CC))
endif
# Should anything still remove it between parsing and use, it is written again.
$(NATIVE_LIST):
	@mkdir -p $(dir $@)
	@echo '$(NATIVE_CC)' > $@

## build: compile the TypeScript (dist/) and the native addon (build/Release/*.node), each only if its sources changed
build: deps $(TS_STAMP) $(NATIVE_OUT) bin/netplugin-cni
	@echo "built: bin/netmaster bin/netagent bin/netplugin bin/netdcli bin/netplugin-cni"

# dist/ is rebuilt whole, so a source that moved or went leaves nothing behind in it.
$(TS_STAMP): $(TS_SOURCES) $(NODE_MODULES_STAMP)
	rm -rf dist
	npx tsc -p tsconfig.json
	@touch $@

# Configure once (node-gyp's Makefile under build/); `node-gyp build` then recompiles what changed.
build/Makefile: binding.gyp $(NATIVE_LIST) $(NODE_MODULES_STAMP)
	npx node-gyp configure --loglevel=error >/dev/null
	@touch $@

$(NATIVE_OUT) &: build/Makefile $(NATIVE_SOURCES)
	npx node-gyp build --loglevel=error >/dev/null
	@touch $(NATIVE_OUT)

bin/netplugin-cni: build/Release/netplugin-cni
	install -m 0755 $< $@

## install: put the commands on PATH (symlinks into $(PREFIX)/bin)
install: build
	for b in netmaster netagent netplugin netdcli; do ln -sf "$(CURDIR)/bin/$$b" "$(PREFIX)/bin/$$b"; done
	install -D -m 0755 build/Release/netplugin-cni $(CNI_BIN_DIR)/netplugin-cni

uninstall:
	for b in netmaster netagent netplugin netdcli; do rm -f "$(PREFIX)/bin/$$b"; done
	rm -f $(CNI_BIN_DIR)/netplugin-cni

## unit-test: pure tests beside the code (no root needed)
unit-test: build
	npx vitest run --dir src

## system-test: kernel, OVS and Docker tests (root); starts OVS and dockerd if needed
system-test: build host-setup
	npx vitest run --dir test --no-file-parallelism

## test: both test sets
test: unit-test system-test

host-setup:
	@scripts/host-setup.sh

## demo: the README's quick example on this host (root); `make demo-stop` undoes it
demo: build host-setup
	scripts/demo.sh start

demo-stop:
	scripts/demo.sh stop

## lab: N simulated hosts (namespaces), each with its own OVS and netagent, one etcd (HOSTS=N)
lab: build host-setup
	scripts/lab.sh up $(HOSTS)

## lab-down: remove the lab, leaving nothing behind
lab-down:
	scripts/lab.sh down

## bench: benchmarks, printed as a table and written to bench/results/latest.json
bench: build host-setup
	npx tsc -p bench/tsconfig.json
	node build/bench-dist/bench/run.js

clean:
	rm -rf dist build .make
