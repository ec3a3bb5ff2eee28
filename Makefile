# netplugin — the targets users know: build, unit-test, system-test, test, demo.
# System tests, the demo and benchmarks need root, Open vSwitch and dockerd:
# scripts/host-setup.sh installs and starts whatever is missing.

SHELL := /bin/bash
PREFIX ?= /usr/local
CNI_BIN_DIR ?= /opt/cni/bin
NODE_MODULES_STAMP := node_modules/.package-lock.json

.PHONY: all build deps install uninstall unit-test system-test test demo demo-stop bench host-setup lab lab-down clean \
	sanitize-build sanitize-test fuzz fuzz-build fuzz-replay

HOSTS ?= 3

all: build

deps: $(NODE_MODULES_STAMP)

$(NODE_MODULES_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# What each build output is made from, so `make build` redoes only what changed.
TS_SOURCES := tsconfig.json $(shell find src -name '*.ts' ! -name '*.test.ts')
TS_STAMP := dist/.tsc-stamp
# native/fuzz/ holds libFuzzer harnesses: never part of the addon (binding.gyp's globs skip it too).
NATIVE_CC := $(sort $(shell find native -path native/fuzz -prune -o -name '*.cc' -print))
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

## sanitize-test: the addon and the shim built with ASan+UBSan (build-asan/), under the native-facing tests
## (codec unit tests, test/integration netlink and CNI shim tests; none needs OVS), and the fuzz regression cases
CLANG ?= clang-14
CLANGXX ?= clang++-14
ASAN_DIR := build-asan
ASAN_OUT := $(ASAN_DIR)/build/Release/np_openflow.node $(ASAN_DIR)/build/Release/np_netlink.node $(ASAN_DIR)/build/Release/netplugin-cni
SANITIZE_TESTS := src/datapath/ovs/openflow src/datapath/kernel test/integration/netlink.test.ts \
	test/integration/netlink-vxlan.test.ts test/integration/netns-check.test.ts test/integration/cni-conformance.test.ts \
	test/integration/cni-shim-limits.test.ts test/integration/host-gateway.test.ts test/integration/netlink-vf.test.ts

sanitize-build: $(ASAN_OUT)

# node-gyp always builds into ./build, so the sanitizer build configures from build-asan/, which
# links to the sources; np_sanitize=1 switches binding.gyp's flags.
$(ASAN_DIR)/build/Makefile: binding.gyp $(NATIVE_LIST) $(NODE_MODULES_STAMP)
	@mkdir -p $(ASAN_DIR)
	@for f in binding.gyp native node_modules; do ln -sfn ../$$f $(ASAN_DIR)/$$f; done
	cd $(ASAN_DIR) && CC=$(CLANG) CXX=$(CLANGXX) LINK=$(CLANGXX) npx node-gyp configure --loglevel=error -- -Dnp_sanitize=1 >/dev/null
	@touch $@

# `+`: node-gyp's make then shares this make's job slots (`make -j2 sanitize-test` in CI).
$(ASAN_OUT) &: $(ASAN_DIR)/build/Makefile $(NATIVE_SOURCES)
	+cd $(ASAN_DIR) && CC=$(CLANG) CXX=$(CLANGXX) LINK=$(CLANGXX) npx node-gyp build --loglevel=error >/dev/null
	@touch $(ASAN_OUT)

sanitize-test: deps sanitize-build fuzz-replay
	scripts/sanitize-test.sh $(CURDIR)/$(ASAN_DIR)/build/Release $(SANITIZE_TESTS)

## fuzz: each libFuzzer harness (native/fuzz/) for FUZZ_SECONDS (60) from seeds made from the
## fixtures, after replaying test/fuzz-regressions/; a crash fails and its input is kept there
FUZZ_SECONDS ?= 60
FUZZ_DIR := build-fuzz
FUZZ_HARNESSES := openflow_decode openflow_framing netlink_decode json_lite cni_http_response
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/,$(FUZZ_HARNESSES))
FUZZ_CFLAGS := -std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -Inative
# The pure decoders each harness links (no N-API code).
FUZZ_OF := $(filter-out native/openflow/js_% native/openflow/module.cc native/openflow/codec_exports.cc \
	native/openflow/connection.cc,$(wildcard native/openflow/*.cc))
FUZZ_NL := native/netlink/attr.cc native/netlink/ethtool_features.cc native/netlink/genl_ctrl.cc native/netlink/inet.cc \
	$(wildcard native/netlink/rtnl_*.cc)
fuzz_objs = $(patsubst native/%.cc,$(FUZZ_DIR)/obj/%.o,$(1))
FUZZ_LINK_openflow_decode := $(call fuzz_objs,$(FUZZ_OF))
FUZZ_LINK_openflow_framing := $(call fuzz_objs,$(FUZZ_OF))
FUZZ_LINK_netlink_decode := $(call fuzz_objs,$(FUZZ_NL))
FUZZ_LINK_json_lite := $(call fuzz_objs,native/cni/json_lite.cc)
FUZZ_LINK_cni_http_response := $(call fuzz_objs,native/cni/http_response.cc)
NATIVE_HEADERS := $(shell find native -name '*.h')

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/obj/%.o: native/%.cc $(NATIVE_HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CXX(fuzz) $<"
	@$(CLANGXX) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

.SECONDEXPANSION:
$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/fuzz/%.o $$(FUZZ_LINK_$$*)
	@echo "  LINK(fuzz) $@"
	@$(CLANGXX) $(FUZZ_CFLAGS) -fsanitize=fuzzer $^ -o $@

fuzz-replay: $(FUZZ_BINS)
	scripts/fuzz.sh replay $(FUZZ_HARNESSES)

fuzz: $(FUZZ_BINS)
	scripts/fuzz.sh run $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

clean:
	rm -rf dist build .make $(ASAN_DIR) $(FUZZ_DIR)
